/**
 * ChatGPTAccount: one upstream ChatGPT account in a CodexLB pool, seeded from a Secret holding a Codex
 * CLI auth.json. Tokens never live in the CR: refresh tokens rotate after import, so the proxy's
 * encrypted store becomes the source of truth and the Secret is only an import seed.
 */
import { conditions } from './common.ts';
import { boolean, enumOf, integer, number, object, string, type Infer } from './schema.ts';

export const chatGPTAccountSpec = object(
  {
    codexLBRef: object(
      { name: string({ description: 'Name of the CodexLB (same namespace) whose pool this account joins.', required: true, minLength: 1 }) },
      {
        description: 'The CodexLB this account belongs to. Immutable.',
        required: true,
        rules: [{ rule: 'self == oldSelf', message: 'codexLBRef is immutable' }],
      },
    ),
    credentials: object(
      {
        secretRef: object(
          { name: string({ description: 'Secret name (same namespace).', required: true, minLength: 1 }) },
          { description: 'Secret holding the credentials.', required: true },
        ),
        key: string({ description: 'Key of the Secret holding the Codex CLI auth.json.', default: 'auth.json', minLength: 1 }),
        importPolicy: enumOf(['OnSecretChange', 'Once', 'Never'], {
          description:
            'OnSecretChange: import whenever the Secret content changes. Once: import the first time only. ' +
            'Never: only adopt an account that already exists in the pool. Periodic resyncs never re-import: ' +
            'an old refresh token would overwrite the rotated one.',
          default: 'OnSecretChange',
        }),
      },
      { description: 'Where the account credentials come from.', required: true },
    ),
    alias: string({ description: 'Display name in the pool.', maxLength: 128 }),
    routingPolicy: enumOf(['normal', 'burn_first', 'preserve'], {
      description: 'How eagerly the router uses this account.',
      default: 'normal',
    }),
    paused: boolean({ description: 'Take the account out of routing without deleting it.', default: false }),
    deletionPolicy: enumOf(['Delete', 'Retain'], {
      description: 'Delete: remove the account from the pool when this resource is deleted. Retain: leave it.',
      default: 'Delete',
    }),
  },
  { description: 'Desired state of a pooled ChatGPT account.', required: true },
);

const usageWindow = object(
  {
    usedPercent: number({ description: 'Used share of the window.' }),
    resetAt: string({ description: 'When the window resets.', format: 'date-time' }),
    windowMinutes: number({ description: 'Window length.' }),
  },
  { description: 'A rate-limit window.' },
);

export const chatGPTAccountStatus = object(
  {
    observedGeneration: integer({ description: 'The .metadata.generation this status reflects.', minimum: 0 }),
    conditions,
    accountId: string({ description: 'Account id in the codex-lb pool.' }),
    email: string({ description: 'Account email, from the id token.' }),
    planType: string({ description: 'ChatGPT plan, from the id token.' }),
    state: enumOf(['active', 'rate_limited', 'quota_exceeded', 'paused', 'reauth_required', 'deactivated'], {
      description: 'Routing state of the account.',
    }),
    usage: object({ primary: usageWindow, secondary: usageWindow }, { description: 'Upstream usage windows.' }),
    importedSecretHash: string({ description: 'Hash of the Secret content last imported (never the content).' }),
  },
  { description: 'Observed state of the account.' },
);

export type ChatGPTAccountSpec = Infer<typeof chatGPTAccountSpec>;
export type ChatGPTAccountStatus = Infer<typeof chatGPTAccountStatus>;
