/** The shipped CLI entry point: `render` prints what the pure render produces; `--help` documents both commands. */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { run } from '../harness/process.ts';
import { renderDocuments } from '../../operator/cli/render.ts';
import { OPERATOR_VERSION } from '../../operator/version.ts';

const cli = fileURLToPath(new URL('../../operator/cli/main.ts', import.meta.url));
const sample = fileURLToPath(new URL('../../samples/codexlb-replicated.yaml', import.meta.url));

describe('codex-lb-operator CLI', () => {
  it('render -f prints the objects the operator would apply', async () => {
    const out = await run(process.execPath, [cli, 'render', '-f', sample]);
    expect(out).toBe(`${renderDocuments(await readFile(sample, 'utf8'), OPERATOR_VERSION)}\n`);
    expect(out).toContain('kind: StatefulSet');
  });

  it('documents run and render', async () => {
    const out = await run(process.execPath, [cli, '--help']);
    expect(out).toMatch(/run \[options\]/);
    expect(out).toMatch(/render \[options\]/);
  });
});
