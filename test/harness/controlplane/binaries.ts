import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const buildScript = fileURLToPath(new URL('./build.sh', import.meta.url));

export interface ControlPlaneBinaries {
  dir: string;
  etcd: string;
  kubeApiserver: string;
  kubeControllerManager: string;
  kubeScheduler: string;
  kubectl: string;
  kwok: string;
  kubelet: string;
  kubeProxy: string;
  coredns: string;
  crictl: string;
  /** Test tool: what kstatus (Flux's health checks) concludes from objects (kstatus/main.go). */
  kstatus: string;
}

let cached: Promise<ControlPlaneBinaries> | undefined;

/**
 * Locates the binaries `make setup` built (build.sh --check never builds, so a missing build fails
 * fast with a hint instead of compiling Kubernetes inside a test). CODEX_LB_TESTBIN overrides.
 */
export function controlPlaneBinaries(): Promise<ControlPlaneBinaries> {
  cached ??= (async () => {
    const dir =
      process.env.CODEX_LB_TESTBIN ??
      (await promisify(execFile)('bash', [buildScript, '--check'])).stdout.trim();
    return {
      dir,
      etcd: join(dir, 'etcd'),
      kubeApiserver: join(dir, 'kube-apiserver'),
      kubeControllerManager: join(dir, 'kube-controller-manager'),
      kubeScheduler: join(dir, 'kube-scheduler'),
      kubectl: join(dir, 'kubectl'),
      kwok: join(dir, 'kwok'),
      kubelet: join(dir, 'kubelet'),
      kubeProxy: join(dir, 'kube-proxy'),
      coredns: join(dir, 'coredns'),
      crictl: join(dir, 'crictl'),
      kstatus: join(dir, 'kstatus'),
    };
  })();
  return cached;
}
