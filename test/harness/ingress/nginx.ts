/**
 * An ingress controller stand-in: Debian's nginx configured from rendered Ingress objects the way ingress-nginx
 * configures itself — one server per rule host, one location per path (Exact → `location =`, Prefix → prefix
 * location), the forwarding headers ingress-nginx sets (Host, X-Forwarded-For/-Proto/-Host, X-Real-IP), and the
 * `nginx.ingress.kubernetes.io/*` streaming annotations translated to their directives. Backends are the
 * Services' ports mapped to local addresses by the caller (a real proxy process stands behind them).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '../../../operator/runtime/kube/types.ts';
import { freePort } from '../ports.ts';
import { ManagedProcess, waitFor } from '../process.ts';

export const NGINX = '/usr/sbin/nginx';

interface IngressSpec {
  rules?: Array<{ host?: string; http?: { paths: Array<{ path: string; pathType: string; backend: { service: { name: string; port: { name?: string; number?: number } } } }> } }>;
}

/** `service:portName` → `host:port` where that Service's endpoint listens. */
export type Backends = Readonly<Record<string, string>>;

/** The nginx directives an ingress-nginx annotation stands for (the ones the operator renders). */
function annotationDirectives(annotations: Readonly<Record<string, string>>): string[] {
  const a = (name: string): string | undefined => annotations[`nginx.ingress.kubernetes.io/${name}`];
  const out: string[] = [];
  if (a('proxy-http-version')) out.push(`proxy_http_version ${a('proxy-http-version')};`);
  if (a('proxy-buffering')) out.push(`proxy_buffering ${a('proxy-buffering')};`);
  if (a('proxy-request-buffering')) out.push(`proxy_request_buffering ${a('proxy-request-buffering')};`);
  if (a('proxy-body-size')) out.push(`client_max_body_size ${a('proxy-body-size')};`);
  if (a('proxy-read-timeout')) out.push(`proxy_read_timeout ${a('proxy-read-timeout')}s;`);
  if (a('proxy-send-timeout')) out.push(`proxy_send_timeout ${a('proxy-send-timeout')}s;`);
  return out;
}

/** nginx.conf for `ingresses` (pure). */
export function nginxConfig(ingresses: readonly KubeObject[], backends: Backends, listenPort: number, dir: string): string {
  const servers = new Map<string, string[]>();
  for (const ingress of ingresses) {
    const spec = (ingress as KubeObject & { spec: IngressSpec }).spec;
    const directives = annotationDirectives(ingress.metadata.annotations ?? {});
    for (const rule of spec.rules ?? []) {
      const locations = servers.get(rule.host ?? '_') ?? [];
      for (const path of rule.http?.paths ?? []) {
        const { name, port } = path.backend.service;
        const key = `${name}:${port.name ?? String(port.number)}`;
        const target = backends[key];
        if (target === undefined) throw new Error(`no backend for Service port ${key}`);
        const match = path.pathType === 'Exact' ? `= ${path.path}` : path.path;
        locations.push(
          [
            `    location ${match} {`,
            `      proxy_pass http://${target};`,
            '      proxy_set_header Host $host;',
            '      proxy_set_header X-Real-IP $remote_addr;',
            '      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
            '      proxy_set_header X-Forwarded-Host $host;',
            '      proxy_set_header X-Forwarded-Proto $scheme;',
            ...directives.map((d) => `      ${d}`),
            '    }',
          ].join('\n'),
        );
      }
      servers.set(rule.host ?? '_', locations);
    }
  }
  const blocks = [...servers].map(([host, locations]) => [`  server {`, `    listen 127.0.0.1:${listenPort};`, `    server_name ${host};`, ...locations, '  }'].join('\n'));
  return [
    'daemon off;',
    'master_process off;',
    `pid ${join(dir, 'nginx.pid')};`,
    `error_log ${join(dir, 'error.log')} warn;`,
    'events { worker_connections 256; }',
    'http {',
    `  access_log off;`,
    `  client_body_temp_path ${join(dir, 'body')};`,
    `  proxy_temp_path ${join(dir, 'proxy')};`,
    `  fastcgi_temp_path ${join(dir, 'fastcgi')};`,
    `  uwsgi_temp_path ${join(dir, 'uwsgi')};`,
    `  scgi_temp_path ${join(dir, 'scgi')};`,
    // A host no Ingress names gets 404, as ingress-nginx's default backend answers.
    `  server { listen 127.0.0.1:${listenPort} default_server; return 404; }`,
    ...blocks,
    '}',
    '',
  ].join('\n');
}

export interface IngressController {
  /** `http://127.0.0.1:<port>`: send requests here with the Ingress host in `Host`. */
  readonly url: string;
  readonly config: string;
  stop(): Promise<void>;
}

export async function startIngress(ingresses: readonly KubeObject[], backends: Backends): Promise<IngressController> {
  const dir = mkdtempSync(join(tmpdir(), 'codexlb-ingress-'));
  const port = await freePort();
  const config = nginxConfig(ingresses, backends, port, dir);
  writeFileSync(join(dir, 'nginx.conf'), config);
  const proc = new ManagedProcess('nginx', NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf')]);
  const url = `http://127.0.0.1:${port}`;
  await waitFor('nginx to listen', async () => ((await fetch(url).catch(() => undefined)) === undefined ? undefined : true), { proc, timeoutMs: 15_000 });
  return {
    url,
    config,
    async stop() {
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
