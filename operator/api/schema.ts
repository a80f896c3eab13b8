/**
 * A small builder for structural OpenAPI v3 schemas that also carries the TypeScript type of the
 * value it describes. The CRD YAML in crds/ is generated from these schemas and the operator's types
 * are inferred from the same objects, so the two cannot drift.
 *
 * Type inference models what the operator reads back from the API server: a field with a `default`
 * or marked `required` is always present; any other field is optional.
 */

/** The subset of apiextensions.k8s.io/v1 JSONSchemaProps this project uses. */
export interface JSONSchemaProps {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  description?: string;
  default?: unknown;
  enum?: readonly unknown[];
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  maxProperties?: number;
  properties?: Record<string, JSONSchemaProps>;
  required?: string[];
  items?: JSONSchemaProps;
  additionalProperties?: JSONSchemaProps;
  nullable?: boolean;
  anyOf?: JSONSchemaProps[];
  'x-kubernetes-int-or-string'?: true;
  'x-kubernetes-preserve-unknown-fields'?: true;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-validations'?: ValidationRule[];
}

export interface ValidationRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  fieldPath?: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
  /** Transition rules (using oldSelf) only run on update; `optionalOldSelf` lets them run on create too. */
  optionalOldSelf?: boolean;
}

/** A schema for values of type T; `Optional` says whether the field may be absent when read back. */
export interface Schema<T, Optional extends boolean = boolean> {
  readonly json: JSONSchemaProps;
  readonly optional: Optional;
  /** Phantom: carries T for inference only. */
  readonly __type?: T;
}

export type Infer<S> = S extends Schema<infer T, boolean> ? T : never;

type Props = Record<string, Schema<unknown, boolean>>;
type Simplify<T> = { [K in keyof T]: T[K] } & {};
export type InferObject<P extends Props> = Simplify<
  { [K in keyof P as P[K] extends Schema<unknown, false> ? K : never]: Infer<P[K]> } & {
    [K in keyof P as P[K] extends Schema<unknown, false> ? never : K]?: Infer<P[K]>;
  }
>;

interface Common {
  /** Shown by `kubectl explain`; every field has one. */
  description: string;
  /** Present when read back even if the writer omitted it (API server defaulting or validation). */
  required?: boolean;
  rules?: ValidationRule[];
  nullable?: boolean;
}

/** Present-when-read: has a default or is required. */
type PresenceOf<O> = O extends { default: unknown } ? false : O extends { required: true } ? false : true;

function schema<T, O extends Common>(opts: O, json: JSONSchemaProps): Schema<T, PresenceOf<O>> {
  const out: JSONSchemaProps = { ...json, description: opts.description };
  if ('default' in opts && (opts as { default?: unknown }).default !== undefined) {
    out.default = (opts as { default?: unknown }).default;
  }
  if (opts.rules?.length) out['x-kubernetes-validations'] = opts.rules;
  if (opts.nullable) out.nullable = true;
  const optional = !('default' in opts && (opts as { default?: unknown }).default !== undefined) && opts.required !== true;
  return { json: out, optional: optional as PresenceOf<O> };
}

interface StringOpts extends Common {
  default?: string;
  pattern?: string;
  format?: string;
  minLength?: number;
  maxLength?: number;
}

export function string<const O extends StringOpts>(opts: O): Schema<string, PresenceOf<O>> {
  const { pattern, format, minLength, maxLength } = opts;
  return schema(opts, { type: 'string', pattern, format, minLength, maxLength });
}

export function enumOf<const V extends readonly string[], const O extends Common & { default?: V[number] }>(
  values: V,
  opts: O,
): Schema<V[number], PresenceOf<O>> {
  return schema(opts, { type: 'string', enum: values });
}

interface IntOpts extends Common {
  default?: number;
  minimum?: number;
  maximum?: number;
}

export function integer<const O extends IntOpts>(opts: O): Schema<number, PresenceOf<O>> {
  const { minimum, maximum } = opts;
  return schema(opts, { type: 'integer', minimum, maximum });
}

export function number<const O extends Common & { default?: number }>(opts: O): Schema<number, PresenceOf<O>> {
  return schema(opts, { type: 'number' });
}

export function boolean<const O extends Common & { default?: boolean }>(opts: O): Schema<boolean, PresenceOf<O>> {
  return schema(opts, { type: 'boolean' });
}

/** A Kubernetes resource quantity such as `5Gi` or `500m`. */
export function quantity<const O extends Common & { default?: string }>(opts: O): Schema<string, PresenceOf<O>> {
  return schema(opts, {
    'x-kubernetes-int-or-string': true,
    anyOf: [{ type: 'integer' }, { type: 'string' }],
    pattern: '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$',
  });
}

export function intOrString<const O extends Common>(opts: O): Schema<number | string, PresenceOf<O>> {
  return schema(opts, { 'x-kubernetes-int-or-string': true });
}

interface ArrayOpts<T> extends Common {
  default?: T[];
  minItems?: number;
  /** Every list has a bound: CEL cost estimation needs one. */
  maxItems: number;
  listType?: 'atomic' | 'set' | 'map';
  listMapKeys?: string[];
}

export function array<T, const O extends ArrayOpts<T>>(items: Schema<T, boolean>, opts: O): Schema<T[], PresenceOf<O>> {
  return schema(opts, {
    type: 'array',
    items: items.json,
    minItems: opts.minItems,
    maxItems: opts.maxItems,
    'x-kubernetes-list-type': opts.listType,
    'x-kubernetes-list-map-keys': opts.listMapKeys,
  });
}

interface MapOpts extends Common {
  default?: Record<string, string>;
  maxProperties?: number;
}

/** string → string map (labels, annotations, node selectors). */
export function stringMap<const O extends MapOpts>(opts: O): Schema<Record<string, string>, PresenceOf<O>> {
  return schema(opts, {
    type: 'object',
    additionalProperties: { type: 'string' },
    maxProperties: opts.maxProperties ?? 64,
  });
}

interface ObjectOpts extends Common {
  /** `{}` makes the API server materialise nested defaults even when the writer omits the object. */
  default?: Record<string, never>;
}

export function object<P extends Props, const O extends ObjectOpts>(
  properties: P,
  opts: O,
): Schema<InferObject<P>, PresenceOf<O>> {
  const required = Object.entries(properties)
    .filter(([, s]) => s.json.default === undefined && !s.optional)
    .map(([k]) => k);
  const props: Record<string, JSONSchemaProps> = {};
  for (const [k, s] of Object.entries(properties)) props[k] = s.json;
  const built = schema<InferObject<P>, O>(opts, { type: 'object', properties: props, required: required.length ? required : undefined });
  if (opts.default !== undefined) {
    // The API server validates a default as written, CEL rules included, without applying the nested
    // defaults first; so `{}` is expanded here into the object those nested defaults would produce.
    built.json.default = { ...materializedDefaults(props), ...opts.default };
  }
  return built;
}

function materializedDefaults(props: Record<string, JSONSchemaProps>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, p] of Object.entries(props)) if (p.default !== undefined) out[k] = p.default;
  return out;
}

/**
 * An embedded Kubernetes type (affinity, tolerations, env valueFrom, NetworkPolicy peers, ...),
 * validated by the API server where it is used rather than re-declared here.
 */
export function embedded<T, const O extends Common = Common>(opts: O): Schema<T, PresenceOf<O>> {
  return schema(opts, { type: 'object', 'x-kubernetes-preserve-unknown-fields': true });
}

/** Removes undefined members so generated YAML stays minimal and stable. */
export function prune(json: JSONSchemaProps): JSONSchemaProps {
  return JSON.parse(JSON.stringify(json)) as JSONSchemaProps;
}
