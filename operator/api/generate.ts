/** `make crds`: writes crds/<plural>.<group>.yaml from operator/api. */
import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderCrdFiles } from './crd-files.ts';

const out = fileURLToPath(new URL('../../crds/', import.meta.url));
await mkdir(out, { recursive: true });
for (const [file, content] of Object.entries(renderCrdFiles())) {
  await writeFile(join(out, file), content);
  process.stdout.write(`wrote crds/${file}\n`);
}
