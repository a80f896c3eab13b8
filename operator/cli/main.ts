#!/usr/bin/env node
/** codex-lb-operator: `run` the controller, or `render` a CodexLB offline. */
import { readFile } from 'node:fs/promises';
import { Command, InvalidArgumentError } from 'commander';
import { KubeConfig } from '@kubernetes/client-node';
import { renderDocuments } from './render.ts';
import { DEFAULT_INSTALL_POLICY } from '../controllers/codexlb/install-policy.ts';
import { adminEndpoints, parseEndpointFlag, type EndpointFallback } from '../controllers/pool/endpoints.ts';
import { Operator } from '../manager.ts';
import { createLogger } from '../runtime/logger.ts';
import { OPERATOR_VERSION } from '../version.ts';

function list(value: string): string[] {
  const items = value.split(',').map((v) => v.trim()).filter(Boolean);
  if (items.length === 0) throw new InvalidArgumentError('must name at least one entry (use "*" for any)');
  return items;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a non-negative integer');
  return n;
}

function endpoint(value: string, previous: Map<string, string>): Map<string, string> {
  try {
    const [installation, url] = parseEndpointFlag(value);
    return new Map(previous).set(installation, url);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

function fallback(value: string): EndpointFallback {
  if (value !== 'in-cluster' && value !== 'none') throw new InvalidArgumentError('must be in-cluster or none');
  return value;
}

const program = new Command('codex-lb-operator').description('Kubernetes operator for codex-lb').version(OPERATOR_VERSION);

program
  .command('run')
  .description('run the controller (leader election on by default)')
  .option('--kubeconfig <path>', 'kubeconfig file (default: in-cluster, then $KUBECONFIG / ~/.kube/config)')
  .option('--namespace <ns>', 'watch only this namespace (default: all namespaces)')
  .option('--no-leader-elect', 'do not use leader election (single replica only)')
  .option('--leader-election-namespace <ns>', 'namespace of the Lease', process.env.POD_NAMESPACE ?? 'codex-lb-system')
  .option('--leader-election-id <name>', 'name of the Lease', 'codex-lb-operator')
  .option('--leader-lease-seconds <n>', 'how long a Lease is valid without renewal', positiveInt, 15)
  .option('--leader-renew-deadline-seconds <n>', 'a leader that cannot renew for this long steps down', positiveInt, 10)
  .option('--leader-retry-seconds <n>', 'how often candidates try to acquire or renew', positiveInt, 2)
  .option('--probe-address <host:port>', 'serve /healthz, /readyz and /metrics here', '0.0.0.0:8080')
  .option('--workers <n>', 'concurrent reconciles', positiveInt, 2)
  .option('--resync-seconds <n>', 'periodic full resync', positiveInt, 600)
  .option('--log-level <level>', 'error|warn|info|debug', process.env.LOG_LEVEL ?? 'info')
  .option(
    '--allowed-images <repositories>',
    'image repositories CodexLBs may run, comma-separated: exact repositories or prefixes ending in "/"; "*" allows any',
    list,
    DEFAULT_INSTALL_POLICY.allowedImages,
  )
  .option(
    '--allowed-upstream-hosts <hosts>',
    'hosts spec.config.upstream URLs may name (account tokens go there), comma-separated; "*.example.com" for subdomains, "*" for any',
    list,
    DEFAULT_INSTALL_POLICY.allowedUpstreamHosts,
  )
  .option('--allow-insecure-upstream', 'allow http:// upstream and OAuth token URLs (tokens then travel unencrypted)', false)
  .option(
    '--admin-endpoint <namespace/name=url>',
    "reach this CodexLB's admin API at url (repeatable), e.g. through kubectl port-forward when running outside the cluster",
    endpoint,
    new Map<string, string>(),
  )
  .option(
    '--admin-endpoint-fallback <mode>',
    'CodexLBs without --admin-endpoint: in-cluster (their Service) or none (not called: accounts and keys report AdminAPIUnreachable)',
    fallback,
    'in-cluster' as EndpointFallback,
  )
  .option('--pool-status-seconds <n>', 'how often each installation\'s pool is read for account and API-key status', positiveInt, 30)
  .action(async (opts) => {
    const log = createLogger(opts.logLevel);
    const kc = new KubeConfig();
    if (opts.kubeconfig) kc.loadFromFile(opts.kubeconfig);
    else kc.loadFromDefault();
    const [host = '0.0.0.0', port = '8080'] = String(opts.probeAddress).split(/:(?=\d+$)/);
    const operator = new Operator({
      kubeConfig: kc,
      log,
      operatorVersion: OPERATOR_VERSION,
      namespace: opts.namespace,
      leaderElection: opts.leaderElect
        ? {
            namespace: opts.leaderElectionNamespace,
            name: opts.leaderElectionId,
            leaseDurationSeconds: opts.leaderLeaseSeconds,
            renewDeadlineMs: opts.leaderRenewDeadlineSeconds * 1000,
            retryPeriodMs: opts.leaderRetrySeconds * 1000,
          }
        : undefined,
      probes: { host, port: Number(port) },
      workers: opts.workers,
      resyncPeriodMs: opts.resyncSeconds * 1000,
      policy: {
        allowedImages: opts.allowedImages,
        allowedUpstreamHosts: opts.allowedUpstreamHosts,
        allowInsecureUpstream: opts.allowInsecureUpstream,
      },
      adminEndpoints: adminEndpoints(opts.adminEndpoint, opts.adminEndpointFallback),
      poolStatusPeriodMs: Math.max(1, opts.poolStatusSeconds) * 1000,
      operatorNamespace: process.env.POD_NAMESPACE ?? opts.leaderElectionNamespace,
      // controller-runtime's semantics: a leader that lost its Lease exits, and its Deployment
      // restarts it as a candidate; nothing it still had in flight runs on.
      onLeadershipLost: () => process.exit(1),
      // Fail fast with the reason (logged) instead of retrying something that cannot succeed.
      onElectionFailed: () => process.exit(1),
    });
    let stopping = false;
    const shutdown = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      log.info('shutting down', { signal });
      operator.stop().then(
        () => process.exit(0),
        (err: Error) => {
          log.error('shutdown failed', { error: err.message });
          process.exit(1);
        },
      );
    };
    process.on('SIGTERM', () => shutdown('SIGTERM'));
    process.on('SIGINT', () => shutdown('SIGINT'));
    await operator.start();
    log.info('operator started', {
      version: OPERATOR_VERSION,
      namespace: opts.namespace ?? '(all)',
      allowedImages: opts.allowedImages,
      allowedUpstreamHosts: opts.allowedUpstreamHosts,
      allowInsecureUpstream: opts.allowInsecureUpstream,
      adminEndpoints: [...opts.adminEndpoint.keys()],
      adminEndpointFallback: opts.adminEndpointFallback,
    });
  });

program
  .command('render')
  .description('print the objects the operator would apply for the CodexLB resources in a file (offline)')
  .requiredOption('-f, --file <path>', 'YAML file with one or more CodexLB documents ("-" for stdin)')
  .action(async (opts) => {
    const text = opts.file === '-' ? await readStdin() : await readFile(opts.file, 'utf8');
    process.stdout.write(`${renderDocuments(text, OPERATOR_VERSION)}\n`);
  });

async function readStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  return text;
}

await program.parseAsync();
