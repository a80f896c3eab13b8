/**
 * CodexLB.spec.externalSecrets: the database URL and/or the encryption key materialised by the External
 * Secrets Operator (external-secrets.io/v1 ExternalSecret) into Secret <name>-credentials.
 */
import { enumOf, object, string } from './schema.ts';

const remoteRef = (what: string, property: string) =>
  object(
    {
      remoteKey: string({ description: `Key of ${what} in the secret store.`, required: true, minLength: 1, maxLength: 1024 }),
      property: string({
        description: `Property inside that key (e.g. ${property}); unset for stores that keep one value per key.`,
        maxLength: 256,
      }),
    },
    { description: `Where the store keeps ${what}.` },
  );

export const externalSecrets = object(
  {
    secretStoreRef: object(
      {
        name: string({ description: 'Name of the SecretStore or ClusterSecretStore.', required: true, minLength: 1, maxLength: 253 }),
        kind: enumOf(['SecretStore', 'ClusterSecretStore'], { description: 'Kind of the store.', default: 'SecretStore' }),
      },
      {
        description:
          'The store to read from. It must carry the label codexlb.io/secret-access: "true" (its owner lets CodexLBs read ' +
          'through it), like every Secret a CodexLB uses.',
        required: true,
      },
    ),
    refreshInterval: string({ description: 'How often ESO re-reads the store.', default: '1h', pattern: '^([0-9]+(ms|s|m|h))+$' }),
    databaseURL: remoteRef('the PostgreSQL URL', 'database-url'),
    encryptionKey: remoteRef('the Fernet encryption key', 'encryption-key'),
  },
  {
    description:
      'Credentials from the External Secrets Operator: an ExternalSecret <name> fills Secret <name>-credentials (keys ' +
      'database-url, encryption-key). Needs ESO installed; otherwise SecretsReady=False, reason ExternalSecretsNotInstalled.',
    rules: [
      {
        rule: 'has(self.databaseURL) || has(self.encryptionKey)',
        message: 'externalSecrets needs databaseURL, encryptionKey or both',
      },
    ],
  },
);
