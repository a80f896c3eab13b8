/**
 * `make cluster-up [PROFILE=cluster|real]` / `make cluster-down`: a long-lived local cluster for demos and
 * manual poking — the kwok profile (default) or the real-pod profile (a real node running the project's
 * images). `up` starts a detached `serve` process and waits until the cluster is usable; `down` stops it,
 * waits until every component has exited, and removes whatever a dead real node left behind.
 */
import { spawn } from 'node:child_process';
import { existsSync, openSync } from 'node:fs';
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startControlPlane } from './controlplane/controlplane.ts';
import { sweepOrphanedNodes } from './node/node.ts';
import { startRealCluster } from './node/real-cluster.ts';
import { isAlive, waitFor } from './process.ts';

const local = resolve(process.env.CODEX_LB_LOCAL ?? '.local');
const home = join(local, 'cluster');
const files = {
  pid: join(home, 'serve.pid'),
  ready: join(home, 'ready'),
  log: join(home, 'cluster.log'),
  state: join(home, 'state'),
  kubeconfig: join(local, 'kubeconfig'),
};

async function runningPid(): Promise<number | undefined> {
  if (!existsSync(files.pid)) return undefined;
  const pid = Number((await readFile(files.pid, 'utf8')).trim());
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined;
}

type ClusterProfile = 'cluster' | 'real';

function parseProfile(value: string | undefined): ClusterProfile {
  const profile = value || 'cluster';
  if (profile !== 'cluster' && profile !== 'real') {
    console.error(`unknown PROFILE '${profile}': use cluster (kwok nodes) or real (a real node running the project's images)`);
    process.exit(2);
  }
  return profile;
}

async function up(profile: ClusterProfile): Promise<void> {
  if (await runningPid()) {
    console.log(`control plane already running; kubeconfig: ${files.kubeconfig}`);
    return;
  }
  await mkdir(home, { recursive: true });
  await rm(files.ready, { force: true });
  const log = openSync(files.log, 'w');
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), 'serve', profile], {
    detached: true,
    stdio: ['ignore', log, log],
    env: process.env,
  });
  child.unref();
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = `serve process exited (${signal ?? `code ${code}`})`));
  await writeFile(files.pid, `${child.pid}\n`);
  await waitFor('the cluster to become ready', async () => (existsSync(files.ready) ? true : undefined), {
    timeoutMs: 300_000,
    intervalMs: 250,
    abortIf: () => {
      if (exited) throw new Error(exited);
    },
  }).catch(async (err: Error) => {
    console.error(err.message);
    console.error(await readFile(files.log, 'utf8'));
    process.exit(1);
  });
  console.log(await readFile(files.ready, 'utf8'));
}

async function down(): Promise<void> {
  const pid = await runningPid();
  if (!pid) {
    console.log('control plane is not running');
    await rm(files.pid, { force: true });
    return;
  }
  process.kill(pid, 'SIGTERM');
  try {
    await waitFor('the control plane to stop', async () => (isAlive(pid) ? undefined : true), { timeoutMs: 120_000 });
  } catch {
    process.kill(-pid, 'SIGKILL'); // the whole process group: serve and every component
  }
  await rm(files.pid, { force: true });
  // A real node whose serve process died (or was killed above) leaves pods, mounts and its netns behind.
  const swept = await sweepOrphanedNodes();
  if (swept.length > 0) console.log(`removed what real node(s) ${swept.join(', ')} left behind`);
  console.log('control plane stopped');
}

async function serve(profile: ClusterProfile): Promise<void> {
  const cluster =
    profile === 'real' ? await startRealCluster({ dir: files.state }) : { cp: await startControlPlane({ profile: 'cluster', dir: files.state }) };
  const { cp } = cluster;
  await copyFile(cp.kubeconfigPath, files.kubeconfig);
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await ('stop' in cluster ? cluster.stop() : cp.stop());
    await rm(files.ready, { force: true });
    await rm(files.kubeconfig, { force: true });
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  await writeFile(
    files.ready,
    [
      `control plane (Kubernetes ${cp.profile} profile) is up at ${cp.server}`,
      ...('readySeconds' in cluster ? [`  node ${cluster.node.layout.nodeName} Ready after ${cluster.readySeconds.toFixed(1)} s; pods run the project's images`] : []),
      `  kubectl --kubeconfig ${files.kubeconfig} get nodes`,
      `  matching kubectl: ${cp.binaries.kubectl}`,
      '  stop it with: make cluster-down',
    ].join('\n'),
  );
  console.log(`ready: ${cp.server}`);
}

const command = process.argv[2];
if (command === 'up') await up(parseProfile(process.argv[3]));
else if (command === 'down') await down();
else if (command === 'serve') await serve(parseProfile(process.argv[3]));
else {
  console.error('usage: cluster-cli.ts up [cluster|real] | down');
  process.exit(2);
}
