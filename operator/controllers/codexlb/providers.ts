/**
 * Credential providers: the External Secrets Operator (spec.externalSecrets) and CloudNativePG
 * (database.postgres.managed) write Secrets the pods use. Before their objects are applied, their API must
 * exist and, for ESO, the store's owner must have let CodexLBs read through it (the same opt-in label as a
 * Secret: a store can reach any key of its backend, so a CodexLB editor must not be able to point the
 * operator at a store they could not use themselves). A provider's Secret is then trusted when its
 * controller is the provider object this CodexLB controls, and waited for while it is not there yet.
 */
import { SECRET_ACCESS_LABEL, SECRET_ACCESS_VALUE } from '../../api/common.ts';
import type { CodexLB } from '../../api/crds.ts';
import type { CredentialRef } from '../../render/credentials.ts';
import { wantsExternalSecret } from '../../render/external-secret.ts';
import type { Capabilities } from '../../render/input.ts';
import { names } from '../../render/names.ts';
import { wantsManagedPostgres } from '../../render/postgres.ts';
import type { KubeClient } from '../../runtime/kube/client.ts';
import type { KubeObject } from '../../runtime/kube/types.ts';
import { Blocked, DegradedReason, Waiting, WaitingReason, type Problem } from '../conditions.ts';
import { accessGranted } from '../secret-access.ts';
import { controlledBy, controllerOf } from './ownership.ts';
import { OPTIONAL_KINDS } from './capabilities.ts';

/** The API a requested provider needs but the cluster lacks, as a problem naming what to install. */
export function missingProviderApi(cr: CodexLB, caps: Capabilities): Problem | undefined {
  if (wantsExternalSecret(cr) && !caps.externalSecrets) {
    return {
      reason: DegradedReason.ExternalSecretsNotInstalled,
      message: 'spec.externalSecrets is set but the External Secrets Operator (external-secrets.io/v1 ExternalSecret) is not installed',
    };
  }
  if (wantsManagedPostgres(cr) && !caps.cloudNativePG) {
    return {
      reason: DegradedReason.CloudNativePGNotInstalled,
      message: 'database.postgres.managed is set but CloudNativePG (postgresql.cnpg.io/v1 Cluster) is not installed',
    };
  }
  return undefined;
}

/** The ESO store must carry the opt-in label, like every Secret a CodexLB names. */
export async function storeConsentProblem(client: KubeClient, cr: CodexLB): Promise<Problem | undefined> {
  const ref = cr.spec.externalSecrets?.secretStoreRef;
  if (!ref) return undefined;
  const namespace = cr.metadata.namespace ?? 'default';
  const store = await client.get({ apiVersion: 'external-secrets.io/v1', kind: ref.kind, namespace: ref.kind === 'SecretStore' ? namespace : undefined, name: ref.name }, { metadataOnly: true });
  const where = ref.kind === 'SecretStore' ? `${ref.kind} ${namespace}/${ref.name}` : `${ref.kind} ${ref.name}`;
  if (!store) return { reason: DegradedReason.SecretNotFound, message: `${where} (externalSecrets.secretStoreRef) not found` };
  if (accessGranted(store)) return undefined;
  const scope = ref.kind === 'SecretStore' ? `-n ${namespace} ` : '';
  return {
    reason: DegradedReason.SecretAccessNotGranted,
    message:
      `${where} (externalSecrets.secretStoreRef) does not allow CodexLBs to read through it: its owner must label it ` +
      `(kubectl ${scope}label ${ref.kind.toLowerCase()} ${ref.name} ${SECRET_ACCESS_LABEL}=${SECRET_ACCESS_VALUE})`,
  };
}

interface ProviderView extends KubeObject {
  status?: { conditions?: Array<{ type: string; status: string; reason?: string; message?: string }> };
}

/** The provider object behind a provided Secret. */
function providerOf(cr: CodexLB, ref: CredentialRef): { apiVersion: string; kind: string; name: string; field: string } {
  const n = names(cr.metadata.name);
  return ref.source === 'externalSecret'
    ? { ...OPTIONAL_KINDS.externalSecrets, name: n.credentials, field: 'spec.externalSecrets' }
    : { ...OPTIONAL_KINDS.cloudNativePG, name: n.postgres, field: 'database.postgres.managed' };
}

/**
 * The Secret a provider writes, with its data. Absent: Waiting (or Blocked with ESO's sync error, when
 * the ExternalSecret reports one); there but not controlled by the provider: Blocked, name conflict.
 */
export async function readProvidedSecret<S extends KubeObject>(client: KubeClient, cr: CodexLB, ref: CredentialRef): Promise<S> {
  const namespace = cr.metadata.namespace ?? 'default';
  const provider = providerOf(cr, ref);
  const [secret, owner] = await Promise.all([
    client.get<S>({ apiVersion: 'v1', kind: 'Secret', namespace, name: ref.name }),
    client.get<ProviderView>({ apiVersion: provider.apiVersion, kind: provider.kind, namespace, name: provider.name }),
  ]);
  const conflict = (what: string): Problem => ({
    reason: DegradedReason.NameConflict,
    message: `Secret ${namespace}/${ref.name} exists but ${what}; the operator will not use it. Delete or rename that Secret`,
  });
  if (!secret) {
    const ready = owner?.status?.conditions?.find((c) => c.type === 'Ready');
    if (ref.source === 'externalSecret' && ready?.status === 'False') {
      throw new Blocked('secrets', {
        reason: DegradedReason.ExternalSecretNotSynced,
        message: `ExternalSecret ${provider.name} cannot fill Secret ${ref.name}: ${ready.reason ?? 'not ready'}${ready.message ? `: ${ready.message}` : ''}`,
      });
    }
    throw ref.source === 'externalSecret'
      ? new Waiting(WaitingReason.WaitingForExternalSecret, `Waiting for the External Secrets Operator to fill Secret ${ref.name} (${provider.field})`)
      : new Waiting(WaitingReason.WaitingForCloudNativePG, `Waiting for CloudNativePG to create the database and Secret ${ref.name} (${provider.field})`);
  }
  if (!owner || !controlledBy(owner, cr)) throw new Blocked('ownership', conflict(`${provider.kind} ${provider.name} is not this CodexLB's`));
  if (controllerOf(secret)?.uid !== owner.metadata.uid) throw new Blocked('ownership', conflict(`it is not controlled by ${provider.kind} ${provider.name}`));
  return secret;
}
