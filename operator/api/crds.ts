/**
 * The CustomResourceDefinitions, built from the schemas in this folder. `make crds` writes them to
 * crds/; a test fails when crds/ differs from what this module builds.
 */
import { chatGPTAccountSpec, chatGPTAccountStatus, type ChatGPTAccountSpec, type ChatGPTAccountStatus } from './chatgptaccount.ts';
import { codexLBAPIKeySpec, codexLBAPIKeyStatus, type CodexLBAPIKeySpec, type CodexLBAPIKeyStatus } from './codexlbapikey.ts';
import { proxyFlavorRules } from './codexlb-proxy.ts';
import { codexLBRootRules, codexLBSpecRules } from './codexlb-rules.ts';
import { codexLBSpec, type CodexLBSpec } from './codexlb-spec.ts';
import { codexLBStatus, type CodexLBStatus } from './codexlb-status.ts';
import { GROUP, VERSION, type API_VERSION } from './common.ts';
import { prune, type JSONSchemaProps } from './schema.ts';

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  deletionTimestamp?: string;
  creationTimestamp?: string;
  finalizers?: string[];
}

export interface CodexLB {
  apiVersion: typeof API_VERSION;
  kind: 'CodexLB';
  metadata: ObjectMeta;
  spec: CodexLBSpec;
  status?: CodexLBStatus;
}

export interface ChatGPTAccount {
  apiVersion: typeof API_VERSION;
  kind: 'ChatGPTAccount';
  metadata: ObjectMeta;
  spec: ChatGPTAccountSpec;
  status?: ChatGPTAccountStatus;
}

export interface CodexLBAPIKey {
  apiVersion: typeof API_VERSION;
  kind: 'CodexLBAPIKey';
  metadata: ObjectMeta;
  spec: CodexLBAPIKeySpec;
  status?: CodexLBAPIKeyStatus;
}

interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'date' | 'boolean' | 'number';
  jsonPath: string;
  description?: string;
  priority?: number;
}

interface CrdInput {
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  spec: JSONSchemaProps;
  status: JSONSchemaProps;
  rootRules?: JSONSchemaProps['x-kubernetes-validations'];
  columns: PrinterColumn[];
  scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath: string };
  description: string;
}

function crd(input: CrdInput) {
  const root: JSONSchemaProps = {
    type: 'object',
    description: input.description,
    properties: {
      apiVersion: { type: 'string', description: 'APIVersion of this object.' },
      kind: { type: 'string', description: 'Kind of this object.' },
      metadata: { type: 'object' },
      spec: input.spec,
      status: input.status,
    },
    required: ['spec'],
  };
  if (input.rootRules?.length) root['x-kubernetes-validations'] = input.rootRules;
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${input.plural}.${GROUP}`,
      labels: { 'app.kubernetes.io/name': 'codex-lb-operator', 'app.kubernetes.io/part-of': 'codex-lb' },
    },
    spec: {
      group: GROUP,
      scope: 'Namespaced',
      names: {
        kind: input.kind,
        listKind: `${input.kind}List`,
        plural: input.plural,
        singular: input.singular,
        shortNames: input.shortNames,
        categories: ['codex-lb'],
      },
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: prune(root) },
          subresources: { status: {}, ...(input.scale ? { scale: input.scale } : {}) },
          additionalPrinterColumns: input.columns,
        },
      ],
    },
  };
}

const readyReason = '.status.conditions[?(@.type=="Ready")].reason';

export function codexLBCrd() {
  return crd({
    kind: 'CodexLB',
    plural: 'codexlbs',
    singular: 'codexlb',
    shortNames: ['clb'],
    description: 'CodexLB is one codex-lb installation: a load balancer and account pool for ChatGPT Codex.',
    spec: { ...codexLBSpec.json, 'x-kubernetes-validations': [...(codexLBSpec.json['x-kubernetes-validations'] ?? []), ...codexLBSpecRules, ...proxyFlavorRules] },
    status: codexLBStatus.json,
    rootRules: codexLBRootRules,
    scale: {
      specReplicasPath: '.spec.topology.replicas',
      statusReplicasPath: '.status.replicas',
      labelSelectorPath: '.status.selector',
    },
    columns: [
      { name: 'Mode', type: 'string', jsonPath: '.spec.topology.mode' },
      { name: 'Database', type: 'string', jsonPath: '.spec.database.type' },
      { name: 'Replicas', type: 'integer', jsonPath: '.status.replicas' },
      { name: 'Ready', type: 'integer', jsonPath: '.status.readyReplicas' },
      { name: 'Status', type: 'string', jsonPath: readyReason },
      { name: 'Accounts', type: 'integer', jsonPath: '.status.accounts.total' },
      { name: 'Active', type: 'integer', jsonPath: '.status.accounts.active' },
      { name: 'Flavor', type: 'string', jsonPath: '.spec.proxy.flavor', priority: 1 },
      { name: 'Version', type: 'string', jsonPath: '.status.proxy.version', priority: 1 },
      { name: 'Image', type: 'string', jsonPath: '.status.image.current', priority: 1 },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    ],
  });
}

export function chatGPTAccountCrd() {
  return crd({
    kind: 'ChatGPTAccount',
    plural: 'chatgptaccounts',
    singular: 'chatgptaccount',
    shortNames: ['cgacct'],
    description: 'ChatGPTAccount is one ChatGPT account in a CodexLB pool, imported from a Secret holding a Codex CLI auth.json.',
    spec: chatGPTAccountSpec.json,
    status: chatGPTAccountStatus.json,
    columns: [
      { name: 'Email', type: 'string', jsonPath: '.status.email' },
      { name: 'Plan', type: 'string', jsonPath: '.status.planType' },
      { name: 'State', type: 'string', jsonPath: '.status.state' },
      { name: 'Primary%', type: 'number', jsonPath: '.status.usage.primary.usedPercent' },
      { name: 'Secondary%', type: 'number', jsonPath: '.status.usage.secondary.usedPercent' },
      { name: 'Resets', type: 'string', jsonPath: '.status.resetsAt' },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
      { name: 'CodexLB', type: 'string', jsonPath: '.spec.codexLBRef.name', priority: 1 },
      { name: 'Status', type: 'string', jsonPath: readyReason, priority: 1 },
    ],
  });
}

export function codexLBAPIKeyCrd() {
  return crd({
    kind: 'CodexLBAPIKey',
    plural: 'codexlbapikeys',
    singular: 'codexlbapikey',
    shortNames: ['clbkey'],
    description: 'CodexLBAPIKey is one client API key of a CodexLB, written into a Secret the operator owns.',
    spec: codexLBAPIKeySpec.json,
    status: codexLBAPIKeyStatus.json,
    columns: [
      { name: 'CodexLB', type: 'string', jsonPath: '.spec.codexLBRef.name' },
      { name: 'Prefix', type: 'string', jsonPath: '.status.prefix' },
      { name: 'Secret', type: 'string', jsonPath: '.spec.secret.name' },
      { name: 'Status', type: 'string', jsonPath: readyReason },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    ],
  });
}

export function allCrds() {
  return [codexLBCrd(), chatGPTAccountCrd(), codexLBAPIKeyCrd()];
}
