/**
 * Structural defaulting as the API server does it: absent properties with a schema default get
 * that default, then defaulting recurses into every present object and array item. Used offline
 * (`codex-lb-operator render`) so rendering sees what it would see after admission.
 */
import { codexLBCrd, type CodexLB } from './crds.ts';
import type { JSONSchemaProps } from './schema.ts';

export function applyDefaults<T>(schema: JSONSchemaProps, value: T): T {
  return defaulted(schema, structuredClone(value)) as T;
}

function defaulted(schema: JSONSchemaProps, value: unknown): unknown {
  if (Array.isArray(value)) return schema.items ? value.map((v) => defaulted(schema.items as JSONSchemaProps, v)) : value;
  if (value === null || typeof value !== 'object' || !schema.properties) return value;
  const obj = value as Record<string, unknown>;
  for (const [key, prop] of Object.entries(schema.properties)) {
    if (obj[key] === undefined && prop.default !== undefined) obj[key] = structuredClone(prop.default);
    if (obj[key] !== undefined) obj[key] = defaulted(prop, obj[key]);
  }
  return obj;
}

const codexLBSchema = codexLBCrd().spec.versions[0]?.schema.openAPIV3Schema as JSONSchemaProps;

/** A CodexLB as the API server would store it: schema defaults, a namespace, a placeholder uid. */
export function admitOffline(doc: CodexLB): CodexLB {
  const cr = applyDefaults(codexLBSchema, { ...doc, spec: doc.spec ?? {} });
  cr.metadata.namespace ??= 'default';
  cr.metadata.uid ??= '00000000-0000-0000-0000-000000000000';
  return cr;
}
