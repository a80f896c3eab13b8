/**
 * Real-pod test ground benchmark (`make bench`): how long the real profile takes to become usable, against the
 * kwok profile measured in the same run as the baseline.
 *
 *   1. kwok cluster profile: start → every component healthy (the baseline)
 *   2. real profile, first start after the images changed: includes making the image seed (one import of the
 *      project's images into a containerd root)
 *   3. real profile, later starts: start → node Ready (three runs), and stop → nothing left behind
 *   4. the operator installed with `kubectl apply -k config/default` on the real node → both replicas Available
 *
 * Needs root and `make setup`. Writes bench/results/test-ground.md and bench/results/test-ground.json. The cold
 * `make setup` budget is measured separately by bench/test-ground/cold-setup.sh (bench/results/cold-setup.md).
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { startControlPlane } from '../../test/harness/controlplane/controlplane.ts';
import { startRealCluster } from '../../test/harness/node/real-cluster.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const seconds = (since: number): number => Math.round((Date.now() - since) / 100) / 10;

async function timed<T>(body: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const started = Date.now();
  const value = await body();
  return { value, seconds: seconds(started) };
}

const kwok = await timed(async () => startControlPlane({ profile: 'cluster' }));
await kwok.value.stop();

// A first start makes the seed from the current images.
await rm(join(process.env.CODEX_LB_CACHE ?? join(homedir(), '.cache', 'codex-lb'), 'node-seed'), { recursive: true, force: true });
const first = await timed(() => startRealCluster());
const stopFirst = await timed(() => first.value.stop());

const later: Array<{ ready: number; stop: number }> = [];
let operatorAvailable = 0;
for (let i = 0; i < 3; i++) {
  const cluster = await timed(() => startRealCluster());
  if (i === 0) {
    const { cp } = cluster.value;
    const install = await timed(async () => {
      await cp.kubectl('apply', '-k', join(root, 'config/default'));
      await cp.kubectl('-n', 'codex-lb-system', 'rollout', 'status', 'deployment/codex-lb-operator', '--timeout=180s');
    });
    operatorAvailable = install.seconds;
  }
  const stop = await timed(() => cluster.value.stop());
  later.push({ ready: cluster.seconds, stop: stop.seconds });
}

const results = {
  kwokClusterSeconds: kwok.seconds,
  realFirstStartSeconds: first.seconds,
  realFirstStopSeconds: stopFirst.seconds,
  realStarts: later,
  operatorInstallSeconds: operatorAvailable,
};
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
const report = `# Test ground: time to a usable cluster

Measured by \`bench/test-ground/run.ts\` (\`make bench\`) on the 2-core build machine, ${new Date().toISOString().slice(0, 10)}.
Baseline: the kwok profile started in the same run.

| | seconds |
|---|---|
| kwok profile: start → every component healthy (baseline) | ${results.kwokClusterSeconds} |
| real profile, first start after an image change (makes the image seed) → node Ready | ${results.realFirstStartSeconds} |
| real profile, later starts → node Ready (median of 3: ${later.map((l) => l.ready).join(' / ')}) | ${median(later.map((l) => l.ready))} |
| real profile: stop → nothing left behind (median of 3) | ${median(later.map((l) => l.stop))} |
| \`kubectl apply -k config/default\` on the real node → operator Deployment Available | ${results.operatorInstallSeconds} |

Ratio, later real start / kwok start: ${(median(later.map((l) => l.ready)) / results.kwokClusterSeconds).toFixed(1)}×.

The cold \`make setup\` (binaries, images) is measured by \`bench/test-ground/cold-setup.sh\`: see cold-setup.md.
`;

await mkdir(join(root, 'bench/results'), { recursive: true });
await writeFile(join(root, 'bench/results/test-ground.json'), `${JSON.stringify(results, null, 2)}\n`);
await writeFile(join(root, 'bench/results/test-ground.md'), report);
console.log(report);
