import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { renderCrdFiles } from './crd-files.ts';
import { allCrds } from './crds.ts';
import type { JSONSchemaProps } from './schema.ts';

/** Every property path of a schema, with its node. */
function* walk(schema: JSONSchemaProps, path = ''): Generator<[string, JSONSchemaProps]> {
  for (const [key, prop] of Object.entries(schema.properties ?? {})) {
    yield [`${path}.${key}`, prop];
    yield* walk(prop, `${path}.${key}`);
  }
  if (schema.items) yield* walk(schema.items, `${path}[]`);
}

describe('CustomResourceDefinitions', () => {
  it('are exactly what `make crds` generates (crds/ is never edited by hand)', async () => {
    for (const [file, content] of Object.entries(renderCrdFiles())) {
      const onDisk = await readFile(new URL(`../../crds/${file}`, import.meta.url), 'utf8');
      expect(onDisk, `crds/${file} is stale: run make crds`).toBe(content);
    }
  });

  it.each(allCrds().map((crd) => [crd.spec.names.kind, crd] as const))('%s documents every field for kubectl explain', (_kind, crd) => {
    const root = crd.spec.versions[0]!.schema.openAPIV3Schema;
    const undocumented = [...walk(root.properties!.spec!), ...walk(root.properties!.status!)]
      .filter(([, node]) => !node.description)
      .map(([path]) => path);
    expect(undocumented).toEqual([]);
  });

  it.each(allCrds().map((crd) => [crd.spec.names.kind, crd] as const))('%s bounds every list (CEL cost estimation needs it)', (_kind, crd) => {
    const root = crd.spec.versions[0]!.schema.openAPIV3Schema;
    const unbounded = [...walk(root)].filter(([, node]) => node.type === 'array' && node.maxItems === undefined).map(([p]) => p);
    expect(unbounded).toEqual([]);
  });

  it('shows an account\'s email, plan, state, usage windows and reset time in kubectl get (issue 9)', () => {
    const account = allCrds().find((c) => c.spec.names.kind === 'ChatGPTAccount')!;
    const columns = account.spec.versions[0]!.additionalPrinterColumns.filter((c) => !c.priority).map((c) => c.name.toUpperCase());
    expect(columns).toEqual(['EMAIL', 'PLAN', 'STATE', 'PRIMARY%', 'SECONDARY%', 'RESETS', 'AGE']);
  });

  it('gives CodexLB status and scale subresources, short names and printer columns', () => {
    const [codexlb] = allCrds();
    const version = codexlb!.spec.versions[0]!;
    expect(version.subresources).toEqual({
      status: {},
      scale: { specReplicasPath: '.spec.topology.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' },
    });
    expect(codexlb!.spec.names.shortNames).toEqual(['clb']);
    expect(version.additionalPrinterColumns.map((c) => c.name)).toEqual(['Mode', 'Database', 'Replicas', 'Ready', 'Status', 'Accounts', 'Active', 'Flavor', 'Version', 'Image', 'Age']);
  });
});
