/**
 * What GitOps tools conclude from an object's status, computed by their own code: kstatus (the library
 * Flux's health checks use, built by controlplane/build.sh) and the Argo CD health script run by a Lua 5.1
 * interpreter (Debian's lua5.1, installed by node/packages.sh; Argo CD's gopher-lua implements Lua 5.1).
 */
import { fileURLToPath } from 'node:url';
import { controlPlaneBinaries } from './controlplane/binaries.ts';
import { run } from './process.ts';

export interface KStatus {
  name: string;
  /** InProgress, Failed, Current, Terminating, NotFound or Unknown. */
  status: string;
  message: string;
}

/** kstatus' verdict on one object or a List (e.g. `kubectl get ... -o json`). */
export async function kstatus(objects: unknown): Promise<KStatus[]> {
  const { kstatus: binary } = await controlPlaneBinaries();
  const out = await run(binary, [], { input: JSON.stringify(objects) });
  return out
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as KStatus);
}

/** A Lua table constructor for a JSON value (strings long-bracket quoted, so nothing needs escaping). */
export function luaLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'nil';
  if (typeof value === 'string') {
    let level = '';
    while (value.includes(`]${level}]`)) level += '=';
    // A leading newline inside a long bracket is dropped by Lua: add one so a value's own survives.
    return `[${level}[\n${value}]${level}]`;
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `{${value.map(luaLiteral).join(', ')}}`;
  const fields = Object.entries(value as Record<string, unknown>).map(([k, v]) => `[ ${luaLiteral(k)} ] = ${luaLiteral(v)}`);
  return `{${fields.join(', ')}}`;
}

export interface ArgoHealth {
  status: string;
  message: string;
}

/** Runs an Argo CD resource health script on `obj` (a global, as Argo CD provides it). */
export async function argoHealth(script: string | URL, obj: unknown): Promise<ArgoHealth> {
  const path = typeof script === 'string' ? script : fileURLToPath(script);
  const program = `obj = ${luaLiteral(obj)}\nlocal hs = dofile(${luaLiteral(path)})\nio.write(hs.status, "\\n", hs.message or "")`;
  const out = await run('lua5.1', ['-'], { input: program });
  const [status = '', ...message] = out.split('\n');
  return { status, message: message.join('\n') };
}
