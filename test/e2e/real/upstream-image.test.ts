/**
 * The official codex-lb image the test ground builds (test/harness/images/upstream: PyPI codex-lb on Debian
 * trixie, laid out like ghcr.io/soju06/codex-lb) on a real node, as a plain Pod with nothing but the image's
 * own CMD: in a namespace enforcing the `restricted` Pod Security level, with a read-only root filesystem,
 * it migrates its SQLite store (the entrypoint), serves on 2455, passes its readiness probe and reaches the
 * fake upstream from the pod network. What `flavor: Upstream` renders around it is the operator's test.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../../fakes/fake-upstream.ts';
import { startRealCluster, type RealCluster } from '../../harness/node/real-cluster.ts';

const ns = 'upstream-image';
const pod = 'codex-lb';

describe('the official codex-lb image on a real node', () => {
  let cluster: RealCluster;
  let fake: FakeUpstream;
  let version: string;
  const kubectl = (...args: string[]): Promise<string> => cluster.cp.kubectl(...args);
  const exec = (...command: string[]): Promise<string> => kubectl('exec', '-n', ns, pod, '--', ...command);

  beforeAll(async () => {
    version = (await readFile(new URL('../../harness/images/upstream/version', import.meta.url), 'utf8')).trim();
    cluster = await startRealCluster();
    fake = await startFakeUpstream({ host: cluster.net.hostIP, port: 0 });
    await kubectl('create', 'namespace', ns);
    await kubectl('label', 'namespace', ns, 'pod-security.kubernetes.io/enforce=restricted');
    await cluster.cp.apply([
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: pod, namespace: ns },
        spec: {
          // The image's user is the name `app`: the kubelet can only prove it non-root from a numeric uid.
          securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: 'codex-lb',
              image: cluster.images.upstream.tag,
              imagePullPolicy: 'IfNotPresent',
              env: [
                // The app picks /var/lib/codex-lb by itself only when it sees /.dockerenv, which containerd does not make.
                { name: 'CODEX_LB_DATA_DIR', value: '/var/lib/codex-lb' },
                { name: 'CODEX_LB_UPSTREAM_BASE_URL', value: `${fake.url}/backend-api` },
                { name: 'CODEX_LB_TELEMETRY_ENABLED', value: 'false' },
              ],
              ports: [{ name: 'http', containerPort: 2455 }],
              readinessProbe: { httpGet: { path: '/health/ready', port: 'http' }, periodSeconds: 2, failureThreshold: 60 },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
              volumeMounts: [
                { name: 'data', mountPath: '/var/lib/codex-lb' },
                { name: 'tmp', mountPath: '/tmp' },
              ],
            },
          ],
          volumes: [
            { name: 'data', emptyDir: {} },
            { name: 'tmp', emptyDir: {} },
          ],
        },
      },
    ]);
    await kubectl('wait', '-n', ns, `pod/${pod}`, '--for=condition=Ready', '--timeout=180s').catch(async (err: Error) => {
      const logs = await kubectl('logs', '-n', ns, pod).catch((e: Error) => e.message);
      const described = await kubectl('describe', 'pod', '-n', ns, pod).catch((e: Error) => e.message);
      throw new Error(`${err.message}\n${described}\n--- logs ---\n${logs}\n--- node ---\n${cluster.node.logs()}`);
    });
  });
  afterAll(async () => {
    await cluster?.stop();
    await fake?.close();
  });

  it('is Ready under the restricted Pod Security level, never restarted, with the tag flavor Upstream defaults to', async () => {
    const status = JSON.parse(await kubectl('get', 'pod', '-n', ns, pod, '-o', 'json')) as {
      status: { containerStatuses: Array<{ ready: boolean; restartCount: number; image: string }> };
    };
    expect(status.status.containerStatuses[0]).toMatchObject({ ready: true, restartCount: 0, image: `ghcr.io/soju06/codex-lb:${version}` });
  });

  it('ran its entrypoint: migrated the SQLite store in the data volume, then served on 0.0.0.0:2455', async () => {
    const logs = await kubectl('logs', '-n', ns, pod);
    expect(logs).toMatch(/current_revision=\S+/);
    expect(logs).toContain('Uvicorn running on http://0.0.0.0:2455');
    expect(await exec('ls', '/var/lib/codex-lb')).toContain('store.db');
  });

  it('runs as uid 1000 in /app with the venv’s python, and cannot write its root filesystem', async () => {
    expect((await exec('id', '-u')).trim()).toBe('1000');
    expect((await exec('pwd')).trim()).toBe('/app');
    expect((await exec('sh', '-c', 'command -v python')).trim()).toBe('/opt/venv/bin/python');
    await expect(exec('touch', '/app/written')).rejects.toThrow(/Read-only file system/);
  });

  it('answers with its version and reaches the fake upstream from the pod network', async () => {
    const probe = [
      'import urllib.error, urllib.request',
      'def status(url):',
      '    try:',
      '        with urllib.request.urlopen(url) as res: return f"{res.status} {res.headers.get(\'x-app-version\')}"',
      '    except urllib.error.HTTPError as err: return str(err.code)',
      'print(status("http://127.0.0.1:2455/health/ready"))',
      `print(status("${fake.url}/backend-api/wham/usage"))`,
    ].join('\n');
    const [health, upstream] = (await exec('python', '-c', probe)).trim().split('\n');
    expect(health).toBe(`200 ${version}`);
    expect(upstream).toBe('401'); // the fake answered: no token, no usage
  });
});
