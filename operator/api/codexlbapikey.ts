/**
 * CodexLBAPIKey: one client API key (`sk-clb-…`) of a CodexLB. The operator creates it through the
 * proxy's admin API, which shows the key only once, and writes it into a Secret it owns so workloads
 * can mount it. Status carries the key id and display prefix, never the key.
 */
import { codexLBRef, conditions, dateTime } from './common.ts';
import { array, enumOf, integer, number, object, string, type Infer } from './schema.ts';

/** The limit kinds and windows the proxy enforces (proxy/store/entities/api-key.ts). */
export const LIMIT_TYPES = ['total_tokens', 'input_tokens', 'output_tokens', 'cost_usd', 'credits'] as const;
export const LIMIT_WINDOWS = ['daily', 'weekly', 'monthly', '5h', '7d'] as const;

const limit = object(
  {
    type: enumOf(LIMIT_TYPES, { description: 'What is counted: tokens (total, input or output), cost in USD, or credits.', required: true }),
    window: enumOf(LIMIT_WINDOWS, { description: 'Window after which the count starts over (daily, weekly, monthly, 5h, 7d).', required: true }),
    max: number({
      description: 'Maximum per window: a whole number of tokens or credits, or US dollars (cost_usd, e.g. 12.5).',
      required: true,
      rules: [{ rule: 'self > 0.0', message: 'max must be positive' }],
    }),
    model: string({ description: 'Count only requests for this model; unset counts every model.', minLength: 1, maxLength: 128 }),
  },
  {
    description: 'One limit; a request that would exceed it is refused with 429 rate_limit_exceeded.',
    rules: [
      {
        rule: "self.type == 'cost_usd' || double(int(self.max)) == self.max",
        message: 'max must be a whole number for token and credit limits',
      },
    ],
  },
);

export const codexLBAPIKeySpec = object(
  {
    codexLBRef,
    displayName: string({ description: 'Name of the key in the pool. Defaults to <namespace>/<name>.', minLength: 1, maxLength: 128 }),
    secret: object(
      {
        name: string({
          description: 'Secret (same namespace) the operator creates and owns, holding the key. An existing Secret of another owner is never touched. Immutable.',
          required: true,
          minLength: 1,
          maxLength: 253,
          rules: [{ rule: 'self == oldSelf', message: 'secret.name is immutable' }],
        }),
        key: string({ description: 'Key inside the Secret.', default: 'api-key', minLength: 1, maxLength: 253, pattern: '^[-._a-zA-Z0-9]+$' }),
      },
      { description: 'Where the key is written for workloads to mount.', required: true },
    ),
    allowedModels: array(string({ description: 'A model name, e.g. gpt-5.4.', minLength: 1, maxLength: 128 }), {
      description: 'Models this key may use; unset allows every model. Others get 403 model_not_allowed.',
      maxItems: 64,
      listType: 'set',
    }),
    limits: array(limit, { description: 'Usage limits, enforced by the proxy per window.', maxItems: 16 }),
    expiresAt: dateTime('When the key stops working (401 invalid_api_key after it). Unset: never.'),
    rotationToken: string({
      description: 'Change it to rotate: a new key is written to the Secret and the old one is revoked after rotationGracePeriodSeconds.',
      maxLength: 253,
    }),
    rotationGracePeriodSeconds: integer({
      description: 'How long a rotated-out key keeps working, so workloads can pick up the new Secret.',
      default: 3600,
      minimum: 0,
      maximum: 2_592_000,
    }),
  },
  { description: 'Desired state of a client API key.', required: true },
);

const previousKey = object(
  {
    keyId: string({ description: 'Id of the rotated-out key.', required: true }),
    prefix: string({ description: 'Display prefix of the rotated-out key.' }),
    revokeAt: dateTime('When it is revoked.'),
  },
  { description: 'A rotated-out key still valid during the grace period.' },
);

const usage = object(
  {
    type: enumOf(LIMIT_TYPES, { description: 'Limit kind.', required: true }),
    window: enumOf(LIMIT_WINDOWS, { description: 'Limit window.', required: true }),
    model: string({ description: 'Model the limit counts, if any.' }),
    used: number({ description: 'Used in the current window (tokens, credits, or US dollars).' }),
    max: number({ description: 'The limit.' }),
    resetAt: dateTime('When the current window ends.'),
  },
  { description: 'Usage of one limit in its current window.' },
);

export const codexLBAPIKeyStatus = object(
  {
    observedGeneration: integer({ description: 'The .metadata.generation this status reflects.', minimum: 0 }),
    conditions,
    keyId: string({ description: 'Id of the current key in the pool.' }),
    prefix: string({ description: 'Display prefix of the current key (never the key).' }),
    secretName: string({ description: 'Secret holding the current key.' }),
    rotationToken: string({ description: 'The spec.rotationToken the current key was issued for.' }),
    previousKeys: array(previousKey, { description: 'Rotated-out keys waiting for revocation.', maxItems: 16 }),
    usage: array(usage, { description: 'Usage of each limit in its current window.', maxItems: 16 }),
  },
  { description: 'Observed state of the key.' },
);

export type CodexLBAPIKeySpec = Infer<typeof codexLBAPIKeySpec>;
export type CodexLBAPIKeyStatus = Infer<typeof codexLBAPIKeyStatus>;
export type LimitType = (typeof LIMIT_TYPES)[number];
export type LimitWindow = (typeof LIMIT_WINDOWS)[number];
