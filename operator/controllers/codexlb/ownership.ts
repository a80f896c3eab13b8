/**
 * Which existing objects a CodexLB may write. The operator changes only objects it controls for this
 * CodexLB (a controller ownerReference with its UID), and the two it deliberately keeps outside
 * garbage collection (the generated encryption-key Secret and the SQLite volume), recognised by the
 * operator's own labels for this instance and the absence of any controller. Anything else under a
 * child's name is a conflict: reported, never adopted, never deleted.
 */
import type { CodexLB } from '../../api/crds.ts';
import { LABEL_INSTANCE, LABEL_MANAGED_BY, MANAGED_BY } from '../../render/labels.ts';
import { names } from '../../render/names.ts';
import type { KubeObject } from '../../runtime/kube/types.ts';
import { DegradedReason, type Problem } from '../conditions.ts';

export function controllerOf(obj: KubeObject): { kind: string; name: string; uid: string } | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller);
}

export function controlledBy(obj: KubeObject, cr: CodexLB): boolean {
  return controllerOf(obj)?.uid === cr.metadata.uid;
}

/** The objects the operator keeps when the CodexLB is deleted, so a re-created CodexLB may take them up again. */
export function isKeptObject(cr: CodexLB, kind: string, name: string): boolean {
  const n = names(cr.metadata.name);
  return (kind === 'Secret' && name === n.encryptionKey) || (kind === 'PersistentVolumeClaim' && name === n.data);
}

function carriesOurLabels(obj: KubeObject, cr: CodexLB): boolean {
  const labels = obj.metadata.labels ?? {};
  return labels[LABEL_MANAGED_BY] === MANAGED_BY && labels[LABEL_INSTANCE] === cr.metadata.name;
}

/**
 * Undefined when `cr` may write `live` (absent, controlled by `cr`, or a kept object of this
 * instance); otherwise the conflict, naming the object and who controls it.
 */
export function ownershipConflict(cr: CodexLB, live: KubeObject | undefined): Problem | undefined {
  if (!live || controlledBy(live, cr)) return undefined;
  const controller = controllerOf(live);
  if (!controller && isKeptObject(cr, live.kind, live.metadata.name) && carriesOurLabels(live, cr)) return undefined;
  const id = `${live.kind} ${live.metadata.namespace ?? cr.metadata.namespace}/${live.metadata.name}`;
  const by = controller ? `it is controlled by ${controller.kind} ${controller.name} (uid ${controller.uid})` : 'it was not created by this CodexLB';
  return {
    reason: DegradedReason.NameConflict,
    message: `${id} already exists and ${by}; the operator will not take it over. Delete or rename that object, or give the CodexLB another name`,
  };
}

/** Pins an apply to the object seen live: a namesake created in between makes the apply fail instead of changing it. */
export function withUid(obj: KubeObject, uid: string): KubeObject {
  return { ...obj, metadata: { ...obj.metadata, uid } };
}
