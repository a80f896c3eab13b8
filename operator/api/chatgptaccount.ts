/**
 * ChatGPTAccount: one upstream ChatGPT account in a CodexLB pool, seeded from a Secret holding a Codex
 * CLI auth.json. Tokens never live in the CR: refresh tokens rotate after import, so the proxy's
 * encrypted store becomes the source of truth and the Secret is only an import seed.
 */
import { codexLBRef, conditions, dateTime } from './common.ts';
import { boolean, enumOf, integer, number, object, string, type Infer } from './schema.ts';

export const ACCOUNT_STATES = ['active', 'rate_limited', 'quota_exceeded', 'paused', 'reauth_required', 'deactivated'] as const;
export type AccountState = (typeof ACCOUNT_STATES)[number];

export const chatGPTAccountSpec = object(
  {
    codexLBRef,
    credentials: object(
      {
        secretRef: object(
          { name: string({ description: 'Secret name (same namespace). It must carry the label codexlb.io/secret-access=true.', required: true, minLength: 1, maxLength: 253 }) },
          { description: 'Secret holding the credentials.', required: true },
        ),
        key: string({ description: 'Key of the Secret holding the Codex CLI auth.json.', default: 'auth.json', minLength: 1, maxLength: 253 }),
        importPolicy: enumOf(['OnSecretChange', 'Once', 'Never'], {
          description:
            'OnSecretChange: import whenever the Secret content changes (a new `codex login`). Once: import the first time only. ' +
            'Never: only adopt an account already in the pool (the Secret identifies it). Periodic resyncs never re-import: ' +
            'the proxy rotates refresh tokens, and an old one would overwrite the rotated one.',
          default: 'OnSecretChange',
        }),
      },
      { description: 'Where the account credentials come from.', required: true },
    ),
    alias: string({ description: 'Display name in the pool. Unset: no alias. Changes made in the pool are reverted to this.', maxLength: 128 }),
    routingPolicy: enumOf(['normal', 'burn_first', 'preserve'], {
      description: 'How eagerly the router uses this account: burn_first before others, preserve only when others are exhausted.',
      default: 'normal',
    }),
    paused: boolean({ description: 'Take the account out of routing without deleting it.', default: false }),
    deletionPolicy: enumOf(['Delete', 'Retain'], {
      description:
        'Delete: remove the account from the pool when this resource is deleted (a finalizer; released without a call when the CodexLB is gone). ' +
        'Retain: leave it in the pool.',
      default: 'Delete',
    }),
  },
  { description: 'Desired state of a pooled ChatGPT account.', required: true },
);

const usageWindow = object(
  {
    usedPercent: number({ description: 'Used share of the window, 0-100.' }),
    resetAt: dateTime('When the window resets.'),
    windowMinutes: integer({ description: 'Window length in minutes.', minimum: 0 }),
  },
  { description: 'A rate-limit window as the upstream reports it.' },
);

export const chatGPTAccountStatus = object(
  {
    observedGeneration: integer({ description: 'The .metadata.generation this status reflects.', minimum: 0 }),
    conditions,
    accountId: string({ description: 'Account id in the codex-lb pool.' }),
    email: string({ description: 'Account email, from the id token.' }),
    planType: string({ description: 'ChatGPT plan, from the id token.' }),
    state: enumOf(ACCOUNT_STATES, { description: 'Routing state of the account in the pool.' }),
    stateReason: string({ description: 'Why the account is not active, as the proxy reports it (e.g. a re-login is required).' }),
    resetsAt: dateTime('When a rate-limited or over-quota account becomes usable again; otherwise when the primary window resets.'),
    usage: object({ primary: usageWindow, secondary: usageWindow }, { description: 'Upstream usage windows: primary (5 h) and secondary (7 d).' }),
    lastTokenRefreshTime: dateTime('When the proxy last refreshed the account tokens (or the imported auth.json was written).'),
    importedSecretHash: string({ description: 'Hash of the Secret content last imported or adopted (never the content).' }),
    lastImportTime: dateTime('When the Secret was last imported.'),
  },
  { description: 'Observed state of the account, refreshed from the pool.' },
);

export type ChatGPTAccountSpec = Infer<typeof chatGPTAccountSpec>;
export type ChatGPTAccountStatus = Infer<typeof chatGPTAccountStatus>;
