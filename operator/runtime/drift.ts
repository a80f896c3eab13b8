/**
 * Deciding whether a child object needs a server-side apply, without writing in steady state.
 *
 * Two checks, both pure:
 * 1. The desired object carries an annotation with the hash of its own content. A different hash
 *    on the live object means our intent changed (including fields we stopped setting, which SSA
 *    must then remove).
 * 2. Every field we set must still hold our value on the live object (someone may have edited or
 *    removed it by hand). Fields the server or other managers added are ignored; so are formatting
 *    differences the API server introduces (canonical quantities; empty lists, which it drops).
 *    Empty objects are kept by the server (`emptyDir: {}`), so their absence is drift.
 */
import { hashOf } from '../render/hash.ts';
import type { KubeObject } from './kube/types.ts';

export const ANNOTATION_APPLIED_HASH = 'codexlb.io/applied-hash';

/** Removes undefined members (JSON semantics) and stamps the content hash annotation. */
export function withAppliedHash(obj: KubeObject): KubeObject {
  const clean = JSON.parse(JSON.stringify(obj)) as KubeObject;
  const hash = hashOf(clean);
  clean.metadata.annotations = { ...clean.metadata.annotations, [ANNOTATION_APPLIED_HASH]: hash };
  return clean;
}

export type ApplyReason = 'missing' | 'changed' | 'drifted';

/** Why `desired` (from withAppliedHash) must be applied over `live`, or undefined if it need not be. */
export function applyReason(desired: KubeObject, live: KubeObject | undefined): ApplyReason | undefined {
  if (!live) return 'missing';
  const want = desired.metadata.annotations?.[ANNOTATION_APPLIED_HASH];
  if (live.metadata.annotations?.[ANNOTATION_APPLIED_HASH] !== want) return 'changed';
  return isSubset(desired, live) ? undefined : 'drifted';
}

/** Whether every value in `desired` is present, with an equivalent value, in `live`. */
export function isSubset(desired: unknown, live: unknown): boolean {
  if (desired === undefined) return true;
  if (Array.isArray(desired)) return arraySubset(desired, live);
  if (desired !== null && typeof desired === 'object') {
    if (live === null || typeof live !== 'object' || Array.isArray(live)) return false;
    const liveRecord = live as Record<string, unknown>;
    return Object.entries(desired as Record<string, unknown>).every(([k, v]) => isSubset(v, liveRecord[k]));
  }
  return scalarEqual(desired, live);
}

function arraySubset(desired: unknown[], live: unknown): boolean {
  if (live === undefined || live === null) return desired.length === 0;
  if (!Array.isArray(live)) return false;
  // Lists of named items (containers, env, ports, volumes) are maps keyed by name: other managers
  // may add items of their own, and order is not ours to keep.
  if (desired.length > 0 && desired.every(isNamed)) {
    return desired.every((d) => {
      const match = live.find((l) => isNamed(l) && l.name === d.name);
      return match !== undefined && isSubset(d, match);
    });
  }
  return desired.length === live.length && desired.every((d, i) => isSubset(d, live[i]));
}

function isNamed(value: unknown): value is { name: string } {
  return value !== null && typeof value === 'object' && typeof (value as { name?: unknown }).name === 'string';
}

function scalarEqual(desired: unknown, live: unknown): boolean {
  if (desired === live) return true;
  if ((typeof desired === 'string' || typeof desired === 'number') && (typeof live === 'string' || typeof live === 'number')) {
    if (String(desired) === String(live)) return true;
    const a = parseQuantity(String(desired));
    const b = parseQuantity(String(live));
    return a !== undefined && b !== undefined && Math.abs(a - b) <= Math.abs(a) * 1e-9;
  }
  return false;
}

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** A Kubernetes resource quantity as a number ("500m" → 0.5, "1Gi" → 1073741824), else undefined. */
export function parseQuantity(text: string): number | undefined {
  const match = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([KMGTPE]i)|([eE][+-]?\d+)|([numkMGTPE]?))$/.exec(text.trim());
  if (!match) return undefined;
  const value = Number(match[1]);
  if (match[2]) return value * (BINARY[match[2]] ?? 1);
  if (match[3]) return value * 10 ** Number(match[3].slice(1));
  return value * (DECIMAL[match[4] ?? ''] ?? 1);
}
