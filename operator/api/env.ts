/**
 * Schemas of `spec.env` and `spec.envFrom` (core/v1 EnvVar and EnvFromSource) with the admission
 * rules that keep them away from what the operator manages (managed-env.ts). Each rule sits on the
 * item, so the rejection names the exact entry, e.g. `spec.env[1].name`.
 */
import { managedEnvCelList, runtimePrefixCel } from './managed-env.ts';
import { boolean, embedded, object, string, type Infer } from './schema.ts';

export const envVar = object(
  {
    name: string({
      description: 'Environment variable name.',
      required: true,
      minLength: 1,
      maxLength: 256,
      rules: [
        {
          rule: `!(self in ${managedEnvCelList()})`,
          messageExpression: `'env must not set ' + self + ', an operator-managed variable: use the typed spec field'`,
        },
        {
          rule: `!(${runtimePrefixCel('self')})`,
          messageExpression: `'env must not set ' + self + ': NODE_* and LD_* variables change the code the proxy runs'`,
        },
      ],
    }),
    value: string({ description: 'Literal value.' }),
    valueFrom: embedded<Record<string, unknown>>({
      description: 'Source for the value (core/v1 EnvVarSource); a Secret named here must carry the codexlb.io/secret-access: "true" label.',
    }),
  },
  { description: 'An environment variable (core/v1 EnvVar).' },
);
export type EnvVar = Infer<typeof envVar>;

const envSourceRef = (kind: string) =>
  object(
    {
      name: string({ description: `Name of the ${kind} (same namespace).`, required: true, minLength: 1, maxLength: 253 }),
      optional: boolean({ description: `Start the pods even when the ${kind} is missing.` }),
    },
    { description: `A ${kind} whose keys become environment variables.` },
  );

/** A core/v1 EnvFromSource. Its keys are only known in the cluster: the reconciler checks them. */
export const envFromSource = object(
  {
    prefix: string({
      description: 'Prepended to every key.',
      maxLength: 253,
      rules: [{ rule: `!(${runtimePrefixCel('self')})`, message: 'envFrom prefix must not start with NODE_ or LD_: those variables change the code the proxy runs' }],
    }),
    configMapRef: envSourceRef('ConfigMap'),
    secretRef: envSourceRef('Secret'),
  },
  {
    description: 'An environment source (core/v1 EnvFromSource).',
    rules: [{ rule: 'has(self.configMapRef) != has(self.secretRef)', message: 'each envFrom entry needs exactly one of configMapRef or secretRef' }],
  },
);
export type EnvFromSource = Infer<typeof envFromSource>;
