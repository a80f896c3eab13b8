/** Schemas shared by more than one custom resource. */
import { array, enumOf, integer, object, string, type Infer } from './schema.ts';

export const GROUP = 'codexlb.io';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;

/** metav1.Condition, the shape kstatus, Flux and Argo CD read. */
export const condition = object(
  {
    type: string({ description: 'Type of condition in CamelCase, e.g. Ready.', required: true, maxLength: 316 }),
    status: enumOf(['True', 'False', 'Unknown'], { description: 'Status of the condition.', required: true }),
    observedGeneration: integer({
      description: 'The .metadata.generation the condition was computed from.',
      minimum: 0,
    }),
    lastTransitionTime: string({
      description: 'When the condition last changed status.',
      format: 'date-time',
      required: true,
    }),
    reason: string({
      description: 'Machine-readable CamelCase reason for the last transition.',
      required: true,
      maxLength: 1024,
      pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$',
    }),
    message: string({ description: 'Human-readable details.', required: true, maxLength: 32768 }),
  },
  { description: 'A condition in the metav1.Condition shape.' },
);
export type Condition = Infer<typeof condition>;

export const conditions = array(condition, {
  description: 'Current state of the resource as conditions; Ready summarises the others.',
  maxItems: 32,
  listType: 'map',
  listMapKeys: ['type'],
});

/** An RFC 3339 timestamp field. */
export const dateTime = (description: string) => string({ description, format: 'date-time' });

export function secretKeyRef(what: string, defaultKey: string) {
  return object(
    {
      name: string({ description: `Name of the Secret (same namespace) holding ${what}.`, required: true, minLength: 1, maxLength: 253 }),
      key: string({ description: `Key inside the Secret holding ${what}.`, default: defaultKey, minLength: 1, maxLength: 253 }),
    },
    { description: `Reference to the Secret key holding ${what}.` },
  );
}

export const localObjectReference = object(
  { name: string({ description: 'Name of the referenced object.', required: true, minLength: 1, maxLength: 253 }) },
  { description: 'A reference to an object in the same namespace.' },
);

/** The CodexLB a ChatGPTAccount or CodexLBAPIKey belongs to: same namespace, immutable. */
export const codexLBRef = object(
  { name: string({ description: 'Name of the CodexLB (same namespace).', required: true, minLength: 1, maxLength: 253 }) },
  {
    description: 'The CodexLB (same namespace) whose pool this belongs to. Immutable: create a new resource to move it.',
    required: true,
    rules: [{ rule: 'self == oldSelf', message: 'codexLBRef is immutable' }],
  },
);

/**
 * The opt-in a Secret carries before any CodexLB in its namespace may use it (database URL or password,
 * encryption key, env/envFrom, image pull secrets). Without it the operator refuses, so a user who may
 * only create CodexLBs cannot make the operator hand them a Secret they cannot read themselves.
 */
export const SECRET_ACCESS_LABEL = 'codexlb.io/secret-access';
export const SECRET_ACCESS_VALUE = 'true';
