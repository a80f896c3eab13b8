/**
 * Golden files: `codex-lb-operator render` of every sample, reviewed by hand against the Helm
 * charts' objects (see operator/render/golden/README.md). Regenerate with UPDATE_GOLDEN=1 after an
 * intended change, and review the diff.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { renderDocuments } from '../cli/render.ts';

const samples = ['codexlb-standalone', 'codexlb-replicated', 'codexlb-production', 'codexlb-cloudnativepg', 'codexlb-upstream'];
// A fixed version keeps golden files stable across releases.
const VERSION = '0.0.0-golden';

describe('render golden files', () => {
  it.each(samples)('samples/%s.yaml renders exactly as reviewed', async (sample) => {
    const input = await readFile(new URL(`../../samples/${sample}.yaml`, import.meta.url), 'utf8');
    const rendered = `${renderDocuments(input, VERSION)}\n`;
    const goldenUrl = new URL(`./golden/${sample}.yaml`, import.meta.url);
    if (process.env.UPDATE_GOLDEN) await writeFile(goldenUrl, rendered);
    expect(rendered).toBe(await readFile(goldenUrl, 'utf8'));
  });
});
