/**
 * What a kind/minikube cluster has beyond the control plane binaries: Nodes (kwok keeps them Ready and
 * runs their Pods), a default StorageClass, and a provisioner that binds each of its PVCs to a new
 * hostPath PersistentVolume. On kwok nothing is mounted; on the real-pod profile the kubelet mounts the
 * directory, which the provisioner creates world-writable like rancher's local-path provisioner does, so
 * non-root pods can write their volume (hostPath volumes get no fsGroup ownership change).
 */
import { chmod, mkdir } from 'node:fs/promises';
import { KubernetesObjectApi, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';

export interface Stoppable {
  stop(): Promise<void>;
}

export const DEFAULT_STORAGE_CLASS = 'standard';
const PROVISIONER = 'codex-lb.test/hostpath';

export async function createFakeNodes(kc: KubeConfig, count: number): Promise<void> {
  const api = KubernetesObjectApi.makeApiClient(kc);
  for (let i = 0; i < count; i++) {
    const name = `kwok-node-${i}`;
    await api.create({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name,
        annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
        labels: {
          'kubernetes.io/hostname': name,
          'kubernetes.io/os': 'linux',
          'kubernetes.io/arch': 'amd64',
          'topology.kubernetes.io/zone': `zone-${i % 3}`,
          type: 'kwok',
        },
      },
      status: {
        allocatable: { cpu: '32', memory: '256Gi', pods: '110' },
        capacity: { cpu: '32', memory: '256Gi', pods: '110' },
      },
    } as KubernetesObject);
  }
}

export async function installDefaultStorageClass(kc: KubeConfig): Promise<void> {
  await KubernetesObjectApi.makeApiClient(kc).create({
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: {
      name: DEFAULT_STORAGE_CLASS,
      annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' },
    },
    provisioner: PROVISIONER,
    allowVolumeExpansion: true,
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'Immediate',
  } as KubernetesObject);
}

interface Claim extends KubernetesObject {
  spec?: {
    storageClassName?: string;
    accessModes?: string[];
    resources?: { requests?: { storage?: string } };
    volumeName?: string;
  };
  status?: { phase?: string };
}

/** Polls for unbound claims of the default class and creates a PV pre-bound to each. */
export function startVolumeProvisioner(kc: KubeConfig, hostDir: string, intervalMs = 500): Stoppable {
  const api = KubernetesObjectApi.makeApiClient(kc);
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      try {
        const claims = await api.list<Claim>('v1', 'PersistentVolumeClaim');
        for (const claim of claims.items) {
          if (claim.status?.phase !== 'Pending' || claim.spec?.volumeName) continue;
          const storageClass = claim.spec?.storageClassName ?? DEFAULT_STORAGE_CLASS;
          if (storageClass !== DEFAULT_STORAGE_CLASS) continue;
          const uid = claim.metadata?.uid ?? '';
          const path = `${hostDir}/${uid}`;
          await mkdir(path, { recursive: true });
          await chmod(path, 0o777);
          await api
            .create({
              apiVersion: 'v1',
              kind: 'PersistentVolume',
              metadata: { name: `pvc-${uid}`, annotations: { 'pv.kubernetes.io/provisioned-by': PROVISIONER } },
              spec: {
                capacity: { storage: claim.spec?.resources?.requests?.storage ?? '1Gi' },
                accessModes: claim.spec?.accessModes ?? ['ReadWriteOnce'],
                persistentVolumeReclaimPolicy: 'Delete',
                storageClassName: storageClass,
                hostPath: { path, type: 'Directory' },
                claimRef: {
                  apiVersion: 'v1',
                  kind: 'PersistentVolumeClaim',
                  namespace: claim.metadata?.namespace,
                  name: claim.metadata?.name,
                  uid,
                },
              },
            } as KubernetesObject)
            .catch((err: unknown) => {
              if ((err as { code?: number }).code !== 409) throw err;
            });
        }
      } catch {
        // The API may be briefly unavailable (startup, shutdown); the next poll retries.
      }
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
    },
  };
}
