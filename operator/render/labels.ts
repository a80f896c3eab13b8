/** Recommended labels. The selector is name + instance + component and never changes. */
export type Component = 'server' | 'migration' | 'metrics' | 'routing' | 'credentials' | 'database';

export const MANAGED_BY = 'codex-lb-operator';
export const APP_NAME = 'codex-lb';
export const LABEL_NAME = 'app.kubernetes.io/name';
export const LABEL_INSTANCE = 'app.kubernetes.io/instance';
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';

export function selectorLabels(instance: string, component: Component = 'server'): Record<string, string> {
  return {
    [LABEL_NAME]: APP_NAME,
    [LABEL_INSTANCE]: instance,
    'app.kubernetes.io/component': component,
  };
}

export function labels(instance: string, component: Component = 'server'): Record<string, string> {
  return { ...selectorLabels(instance, component), [LABEL_MANAGED_BY]: MANAGED_BY };
}

/** `k=v,k=v` form for label selectors in status and list calls. */
export function selectorString(selector: Record<string, string>): string {
  return Object.entries(selector)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}
