/** The operator version; also the default proxy image tag (the two ship together). */
import { readFileSync } from 'node:fs';

export const OPERATOR_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
