/**
 * The abort signal of the reconcile a request belongs to. The controller runs each reconcile inside
 * `withRequestSignal`, and KubeClient combines that signal with any explicit one, so every API call a reconcile
 * makes — through any helper, however deep — is cancelled when the reconcile times out or the controller stops,
 * without passing a signal through every function signature.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const scope = new AsyncLocalStorage<AbortSignal>();

export function withRequestSignal<T>(signal: AbortSignal, body: () => Promise<T>): Promise<T> {
  return scope.run(signal, body);
}

/** The explicit signal, the surrounding reconcile's, both, or neither. */
export function requestSignal(explicit?: AbortSignal): AbortSignal | undefined {
  const surrounding = scope.getStore();
  if (!surrounding) return explicit;
  return explicit ? AbortSignal.any([explicit, surrounding]) : surrounding;
}
