/**
 * Everything `codex-lb-operator render` prints applies cleanly: every sample, the shipped CLI's rendering of each
 * CodexLB sample, and every golden file pass `kubectl apply --dry-run=server` against a real API server with the
 * CRDs installed (the CLI's YAML once printed `off` unquoted, which kubectl reads as a boolean and rejects).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../harness/process.ts';
import { cloudNativePGCrd, externalSecretCrds, httpRouteCrd, prometheusRuleCrd, serviceMonitorCrd } from './optional-crds.ts';
import { createNamespace, repoRoot, startOperatorTestEnv, type OperatorTestEnv } from './support.ts';
import { waitForCrds } from '../../harness/controlplane/crds.ts';

const samples = (await readdir(join(repoRoot, 'samples'))).filter((f) => f.endsWith('.yaml')).sort();
/** The samples that declare a CodexLB (others hold accounts or keys, which render nothing). */
const codexLBSamples: string[] = [];
for (const sample of samples) {
  if (/^kind: CodexLB$/m.test(await readFile(join(repoRoot, 'samples', sample), 'utf8'))) codexLBSamples.push(sample);
}
const goldenDir = join(repoRoot, 'operator/render/golden');
const goldens = (await readdir(goldenDir)).filter((f) => f.endsWith('.yaml')).sort();

describe('what render prints applies with kubectl', () => {
  let env: OperatorTestEnv;
  const dryRun = (manifest: string) => run(env.cp.binaries.kubectl, [`--kubeconfig=${env.cp.kubeconfigPath}`, 'apply', '--dry-run=server', '-f', '-'], { input: manifest });

  beforeAll(async () => {
    env = await startOperatorTestEnv('api');
    await env.cp.apply([httpRouteCrd, serviceMonitorCrd, prometheusRuleCrd, ...externalSecretCrds, cloudNativePGCrd]);
    await waitForCrds(env.cp, ['httproutes.gateway.networking.k8s.io', 'servicemonitors.monitoring.coreos.com', 'prometheusrules.monitoring.coreos.com', 'externalsecrets.external-secrets.io', 'clusters.postgresql.cnpg.io']);
    await createNamespace(env.cp, 'codex');
  });
  afterAll(async () => {
    await env?.stop();
  });

  it.each(samples)('samples/%s applies as it is', async (sample) => {
    expect(await dryRun(await readFile(join(repoRoot, 'samples', sample), 'utf8'))).toMatch(/created \(server dry run\)/);
  });

  it.each(codexLBSamples)('render -f samples/%s applies', async (sample) => {
    const rendered = await run(process.execPath, [join(repoRoot, 'operator/cli/main.ts'), 'render', '-f', join(repoRoot, 'samples', sample)]);
    const out = await dryRun(rendered);
    expect(out).toMatch(/statefulset\.apps\/\S+ created \(server dry run\)/);
    expect(out).not.toMatch(/error/i);
  });

  it.each(goldens)('golden %s applies', async (golden) => {
    const out = await dryRun(await readFile(join(goldenDir, golden), 'utf8'));
    expect(out).toMatch(/created \(server dry run\)/);
  });
});
