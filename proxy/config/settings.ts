/**
 * `loadSettings(env)`: the proxy's configuration, parsed once at startup from `CODEX_LB_*` (and `PORT`).
 *
 * Pure: reads only the object it is given, so tests pass plain objects and the CLI passes `process.env`.
 * Every problem is collected and thrown together as a `SettingsError` naming each variable; a value is echoed in
 * the message only when the variable is not secret.
 */
import { join } from 'node:path';
import { isIP } from 'node:net';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { parseDatabaseUrl, type DatabaseTarget } from './database-url.ts';
import type { ValueOf, Variable } from './variable.ts';
import { REMOVED_UPSTREAM_VARIABLES, UNIMPLEMENTED_UPSTREAM_VARIABLES, VARIABLES } from './variables.ts';

export type Env = Readonly<Record<string, string | undefined>>;

type Table = typeof VARIABLES;
type TableValues = { readonly [K in keyof Table]: ValueOf<Table[K]> };

/** Values resolved from other values or the environment once the table is parsed. */
interface Derived {
  /** `CODEX_LB_DATA_DIR`, else `$HOME/.codex-lb`, else `/var/lib/codex-lb` (upstream's defaults). */
  readonly dataDir: string;
  /** From `CODEX_LB_DATABASE_URL`, else SQLite at `<dataDir>/store.db`. Holds credentials: log `describeDatabase()`. */
  readonly database: DatabaseTarget;
  readonly encryptionKeyFile: string;
  readonly sessionBridgeInstanceId: string;
  /** Human-readable warnings (ignored upstream variables). The caller logs them once at startup. */
  readonly warnings: readonly string[];
  /** Variables given a (non-empty) value: settings the dashboard may not change at run time. */
  readonly explicit: ReadonlySet<string>;
}

export type Settings = Readonly<Omit<TableValues, keyof Derived | 'databaseUrl'>> & Derived;

export interface SettingsProblem {
  readonly variable: string;
  readonly message: string;
}

export class SettingsError extends Error {
  override readonly name = 'SettingsError';
  readonly problems: readonly SettingsProblem[];

  constructor(problems: readonly SettingsProblem[]) {
    super(`invalid proxy configuration:\n${problems.map((p) => `  ${p.variable}: ${p.message}`).join('\n')}`);
    this.problems = problems;
  }
}

const ajv = new Ajv({ allErrors: false, strict: true });
ajv.addFormat('http-url', (value: string) => {
  try {
    const parsed = new URL(value);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:';
  } catch {
    return false;
  }
});
ajv.addFormat('cidr', isCidr);
ajv.addFormat('origin', isOrigin);

const validators = new Map<string, ValidateFunction>(
  Object.values(VARIABLES as Record<string, Variable<unknown>>).map((v) => [v.env, ajv.compile(v.schema)]),
);

const KNOWN = new Set(Object.values(VARIABLES as Record<string, Variable<unknown>>).map((v) => v.env));
const UNIMPLEMENTED = new Set(UNIMPLEMENTED_UPSTREAM_VARIABLES);
const REMOVED = new Set(REMOVED_UPSTREAM_VARIABLES);

export function loadSettings(env: Env): Settings {
  const problems: SettingsProblem[] = [];
  const warnings: string[] = [];

  for (const name of Object.keys(env).sort()) {
    if (!name.startsWith('CODEX_LB_') || KNOWN.has(name)) continue;
    if (REMOVED.has(name)) {
      warnings.push(`${name} was removed upstream (now a fixed constant) and is ignored`);
    } else if (UNIMPLEMENTED.has(name)) {
      warnings.push(`${name} is an upstream codex-lb setting this proxy does not implement; it is ignored`);
    } else {
      problems.push({ variable: name, message: 'unknown setting (check the spelling; see proxy/config/variables.ts)' });
    }
  }

  const values: Record<string, unknown> = {};
  for (const [key, variable] of Object.entries(VARIABLES as Record<string, Variable<unknown>>)) {
    const result = readVariable(variable, env[variable.env]);
    if ('problem' in result) problems.push({ variable: variable.env, message: result.problem });
    else values[key] = result.value;
  }

  let database: DatabaseTarget | undefined;
  const dataDir = (values.dataDir as string | null) ?? (env.HOME ? join(env.HOME, '.codex-lb') : '/var/lib/codex-lb');
  const databaseUrl = values.databaseUrl as string | null | undefined;
  if (databaseUrl === null) {
    database = { dialect: 'sqlite', path: join(dataDir, 'store.db') };
  } else if (databaseUrl !== undefined) {
    try {
      database = parseDatabaseUrl(databaseUrl);
    } catch (err) {
      problems.push({ variable: 'CODEX_LB_DATABASE_URL', message: (err as Error).message });
    }
  }

  const instanceId = (values.sessionBridgeInstanceId as string | null | undefined) ?? env.HOSTNAME ?? 'codex-lb';
  const staticRing = values.sessionBridgeInstanceRing as readonly string[] | undefined;
  if (staticRing && staticRing.length > 0 && !staticRing.includes(instanceId)) {
    // Upstream's rule for its legacy static ring; the live ring in the database decides routing.
    problems.push({ variable: 'CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_INSTANCE_RING', message: `does not list this replica's instance id ${JSON.stringify(instanceId)}` });
  }
  if (values.otelEnabled === true && !values.otelExporterEndpoint) {
    problems.push({ variable: 'CODEX_LB_OTEL_EXPORTER_ENDPOINT', message: 'required when CODEX_LB_OTEL_ENABLED is true' });
  }

  if (problems.length > 0 || database === undefined) throw new SettingsError(problems);

  delete values.databaseUrl;
  const settings = {
    ...(values as Omit<TableValues, 'databaseUrl'>),
    dataDir,
    database: Object.freeze(database),
    encryptionKeyFile: (values.encryptionKeyFile as string | null) ?? join(dataDir, 'encryption.key'),
    sessionBridgeInstanceId: instanceId,
    warnings: Object.freeze(warnings),
    explicit: new Set(Object.keys(env).filter((name) => KNOWN.has(name) && (env[name]?.trim() ?? '') !== '')),
  };
  return Object.freeze(settings);
}

type ReadResult = { value: unknown } | { problem: string };

/** Unset and empty both mean "use the default": manifests often render `""` for "not configured". */
function readVariable(variable: Variable<unknown>, raw: string | undefined): ReadResult {
  const trimmed = raw?.trim() ?? '';
  if (trimmed === '') return { value: freeze(variable.default) };
  const shown = variable.secret ? '' : ` (got ${JSON.stringify(raw)})`;
  let candidate: unknown;
  try {
    candidate = variable.parse(trimmed);
  } catch (err) {
    return { problem: `${(err as Error).message}${shown}` };
  }
  const validate = validators.get(variable.env);
  if (validate !== undefined && !validate(candidate)) {
    return { problem: `${describe(validate.errors?.[0])}${shown}` };
  }
  return { value: freeze(candidate) };
}

function describe(error: ErrorObject | undefined): string {
  if (error === undefined) return 'invalid value';
  const where = error.instancePath === '' ? '' : `item ${Number(error.instancePath.slice(1)) + 1} `;
  if (error.keyword === 'enum') {
    return `${where}must be one of ${(error.params.allowedValues as string[]).join(', ')}`;
  }
  if (error.keyword === 'format') {
    if (error.params.format === 'cidr') return `${where}must be a CIDR such as 10.0.0.0/8`;
    if (error.params.format === 'origin') return `${where}must be an origin such as https://app.example.com (scheme, host, optional port; no path) or *`;
    return `${where}must be an http(s) URL`;
  }
  return `${where}${error.message ?? 'is invalid'}`;
}

/** An IPv4/IPv6 address with an optional prefix length (a bare address is a single host). */
export function isCidr(value: string): boolean {
  const [address = '', prefix, ...rest] = value.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (version === 4 ? 32 : 128);
}

/** `*`, or a serialized origin exactly as browsers send it in the `Origin` header. */
function isOrigin(value: string): boolean {
  if (value === '*') return true;
  try {
    const parsed = new URL(value);
    return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.origin === value;
  } catch {
    return false;
  }
}

function freeze<T>(value: T): T {
  return Array.isArray(value) ? (Object.freeze([...value]) as T) : value;
}
