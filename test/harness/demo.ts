/**
 * `make demo`: a local control plane (cluster profile), the CRDs, the operator, and both samples —
 * Standalone on SQLite, Replicated on a throwaway PostgreSQL — waited for and shown with kubectl.
 * Pods run on kwok's fake nodes: the objects, rollout order and status are real, the containers
 * are simulated. On a terminal it stays up for exploring (Ctrl-C stops everything); otherwise it
 * exits once both installations are Ready.
 */
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startControlPlane } from './controlplane/controlplane.ts';
import { startPostgres } from './postgres.ts';
import { waitFor } from './process.ts';
import { SECRET_ACCESS_LABEL, SECRET_ACCESS_VALUE } from '../../operator/api/common.ts';
import { adminEndpoints } from '../../operator/controllers/pool/endpoints.ts';
import { Operator } from '../../operator/manager.ts';
import { createLogger } from '../../operator/runtime/logger.ts';
import { OPERATOR_VERSION } from '../../operator/version.ts';
import { waitForCrds } from './controlplane/crds.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const local = resolve(process.env.CODEX_LB_LOCAL ?? join(root, '.local'));
const say = (line: string): void => console.log(`\n==> ${line}`);

say('starting a local Kubernetes v1.35 control plane (etcd, apiserver, controller-manager, scheduler, kwok)');
const cp = await startControlPlane({ profile: 'cluster', dir: join(local, 'demo') });
const pg = await startPostgres();
let operator: Operator | undefined;

async function shutdown(code: number): Promise<never> {
  await operator?.stop();
  await pg.stop();
  await cp.stop();
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

try {
  await mkdir(local, { recursive: true });
  await copyFile(cp.kubeconfigPath, join(local, 'kubeconfig'));
  const kubectl = (...args: string[]) => cp.kubectl(...args);

  say('installing the CRDs (crds/)');
  await kubectl('apply', '--server-side', '-k', join(root, 'crds'));
  await waitForCrds(cp, ['codexlbs.codexlb.io']);

  say('starting the operator (logs below are its JSON logs at warn level)');
  // kwok pods serve nothing: no admin API is called (in-cluster Service names would go to the host's DNS).
  operator = new Operator({
    kubeConfig: cp.kubeConfig(),
    log: createLogger('warn'),
    operatorVersion: OPERATOR_VERSION,
    adminEndpoints: adminEndpoints(new Map(), 'none'),
  });
  await operator.start();

  say('applying samples/codexlb-standalone.yaml and samples/codexlb-replicated.yaml (database: a throwaway PostgreSQL)');
  await kubectl('create', 'namespace', 'codex');
  await kubectl('create', 'secret', 'generic', 'codex-lb-db', '-n', 'codex', `--from-literal=database-url=${pg.url}`);
  // The Secret's owner lets CodexLBs use it (README, "Security model").
  await kubectl('label', 'secret', 'codex-lb-db', '-n', 'codex', `${SECRET_ACCESS_LABEL}=${SECRET_ACCESS_VALUE}`);
  for (const sample of ['codexlb-standalone.yaml', 'codexlb-replicated.yaml']) {
    await cp.apply(await readFile(join(root, 'samples', sample), 'utf8'));
  }

  say('waiting for both CodexLBs to become Ready');
  await waitFor('both CodexLBs Ready', async () => {
    const ready = await kubectl('get', 'codexlb', '-n', 'codex', '-o', 'jsonpath={range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{" "}{end}');
    return ready.trim() === 'True True' ? true : undefined;
  }, { timeoutMs: 120_000 });

  say('kubectl get codexlb -n codex -o wide');
  console.log(await kubectl('get', 'codexlb', '-n', 'codex', '-o', 'wide'));
  say('what the operator created');
  console.log(await kubectl('get', 'statefulset,pod,service,configmap,secret,pvc,job,poddisruptionbudget,ingress', '-n', 'codex'));
  say('status conditions of codex/prod');
  console.log(
    await kubectl('get', 'codexlb', 'prod', '-n', 'codex', '-o', 'jsonpath={range .status.conditions[*]}{.type}{"\\t"}{.status}{"\\t"}{.reason}{"\\t"}{.message}{"\\n"}{end}'),
  );

  if (process.stdin.isTTY && !process.env.CI) {
    say(`explore with: kubectl --kubeconfig ${join(local, 'kubeconfig')} get codexlb -A   (Ctrl-C stops the demo)`);
    await new Promise(() => undefined);
  }
  await shutdown(0);
} catch (err) {
  console.error(`demo failed: ${(err as Error).message}`);
  await shutdown(1);
}
