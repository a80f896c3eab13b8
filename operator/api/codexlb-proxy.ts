/**
 * CodexLB.spec.proxy: which application the pods run. `Bundled` is the proxy shipped with this operator;
 * `Upstream` is the official codex-lb application (ghcr.io/soju06/codex-lb), for installations that already
 * run it. Both are rendered from the same spec; what only the bundled proxy understands is listed once
 * here and rejected at admission for `Upstream` with a message that names the field.
 */
import type { ValidationRule } from './schema.ts';
import { enumOf, object } from './schema.ts';

export const PROXY_FLAVORS = ['Bundled', 'Upstream'] as const;
export type ProxyFlavor = (typeof PROXY_FLAVORS)[number];

/** The image each flavor runs by default, and its default tag (`undefined`: the operator's own version). */
export const FLAVOR_IMAGES: Record<ProxyFlavor, { repository: string; tag?: string }> = {
  Bundled: { repository: 'ghcr.io/codex-lb/codex-lb-proxy' },
  // The upstream release the real-pod suites run (README: "Upstream versions").
  Upstream: { repository: 'ghcr.io/soju06/codex-lb', tag: '1.24.0' },
};

export const proxy = object(
  {
    flavor: enumOf(PROXY_FLAVORS, {
      description:
        'Bundled: the proxy shipped with this operator (image ghcr.io/codex-lb/codex-lb-proxy). Upstream: the official codex-lb ' +
        'application (image ghcr.io/soju06/codex-lb, tested version 1.24.0), run with its own commands, migrations and ' +
        'preStop; settings only the bundled proxy has are rejected, and API-key auth and the firewall allow-list are set ' +
        'through its dashboard API. Immutable: the two keep different database schemas.',
      default: 'Bundled',
      rules: [{ rule: 'self == oldSelf', message: 'proxy.flavor is immutable: the two applications keep different database schemas' }],
    }),
  },
  { description: 'The application the pods run.', default: {} },
);

/** Spec fields the official application has no equivalent for, each with the reason a user reads. */
const BUNDLED_ONLY: ReadonlyArray<{ field: string; present: string; why: string }> = [
  {
    field: 'config.streamFirstEventTimeoutSeconds',
    present: 'has(self.config.streamFirstEventTimeoutSeconds)',
    why: 'the official application has no first-event deadline',
  },
  {
    field: 'config.upstream.oauthTokenURL',
    present: 'has(self.config.upstream.oauthTokenURL)',
    why: 'the official application refreshes tokens at https://auth.openai.com, which it does not let you change',
  },
  {
    field: 'database.postgres.managed',
    present: 'has(self.database.postgres) && has(self.database.postgres.managed)',
    why: "CloudNativePG's connection URI is postgresql://, and the official application needs postgresql+asyncpg:// (use database.postgres.host or urlSecretRef)",
  },
  {
    field: 'config.firewall.allowlist',
    present:
      "has(self.config.firewall.allowlist) && self.config.firewall.allowlist.exists(a, a.contains('/') && !(a.contains(':') ? a.endsWith('/128') : a.endsWith('/32')))",
    why: 'the official application allows single addresses, not CIDR ranges (a /32 or /128 entry is one address)',
  },
];

export const proxyFlavorRules: ValidationRule[] = [
  ...BUNDLED_ONLY.map(({ field, present, why }) => ({
    rule: `self.proxy.flavor != 'Upstream' || !(${present})`,
    message: `${field} is not supported with proxy.flavor Upstream: ${why}`,
    fieldPath: `.${field}`,
  })),
  {
    rule: "self.proxy.flavor == 'Upstream' || !self.config.telemetry.enabled",
    message: 'config.telemetry.enabled is only for proxy.flavor Upstream: the bundled proxy sends no usage reports',
    fieldPath: '.config.telemetry.enabled',
  },
];
