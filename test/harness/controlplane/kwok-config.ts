/**
 * kwok's configuration for the cluster profile: kwok's own default Stages (copied from the kwok module
 * by build.sh) plus one failure hook, so tests can make a Job's Pod fail the way a real failing
 * container would: a Job Pod whose first container has env SIMULATED_EXIT_CODE=<n> (n != 0) ends
 * `Failed` with that exit code instead of `Succeeded`, and with the termination message given in
 * SIMULATED_TERMINATION_MESSAGE (what the container would have written to /dev/termination-log).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';

export const SIMULATED_EXIT_CODE_ENV = 'SIMULATED_EXIT_CODE';
export const SIMULATED_TERMINATION_MESSAGE_ENV = 'SIMULATED_TERMINATION_MESSAGE';
const exitCodeKey = `.spec.containers.[0].env.[] | select( .name == "${SIMULATED_EXIT_CODE_ENV}" ) | .value`;

interface Stage {
  metadata: { name: string };
  spec: { selector: { matchExpressions: Array<{ key: string; operator: string; values?: string[] }> } };
}

export async function kwokConfiguration(stagesDir: string): Promise<string> {
  const files = (await readdir(stagesDir)).filter((f) => f.endsWith('.yaml')).sort();
  const stages: Stage[] = [];
  for (const file of files) {
    for (const doc of parseAllDocuments(await readFile(join(stagesDir, file), 'utf8'))) {
      stages.push(doc.toJS() as Stage);
    }
  }
  const complete = stages.find((s) => s.metadata.name === 'pod-complete');
  if (!complete) throw new Error(`kwok pod-complete stage missing from ${stagesDir}`);
  const failing = structuredClone(complete) as Stage & { spec: { next: { statusTemplate: string } } };
  // Pods with the marker never match pod-complete; they match pod-fail instead.
  complete.spec.selector.matchExpressions.push({ key: exitCodeKey, operator: 'DoesNotExist' });
  failing.metadata.name = 'pod-fail';
  failing.spec.selector.matchExpressions.push({ key: exitCodeKey, operator: 'Exists' });
  failing.spec.next.statusTemplate = failedStatusTemplate;
  stages.push(failing);

  // No KwokConfiguration document: kwok applies its defaults only when the file carries none.
  return stages.map((doc) => stringify(doc)).join('---\n');
}

const failedStatusTemplate = `{{ $now := Now }}
{{ $code := "1" }}
{{ $message := "" }}
{{ range (index .spec.containers 0).env }}{{ if eq .name "${SIMULATED_EXIT_CODE_ENV}" }}{{ $code = .value }}{{ end }}{{ if eq .name "${SIMULATED_TERMINATION_MESSAGE_ENV}" }}{{ $message = .value }}{{ end }}{{ end }}
containerStatuses:
{{ range $index, $item := .spec.containers }}
- image: {{ $item.image | Quote }}
  name: {{ $item.name | Quote }}
  ready: false
  restartCount: 0
  started: false
  state:
    terminated:
      exitCode: {{ $code }}
      message: {{ $message | Quote }}
      finishedAt: {{ $now | Quote }}
      reason: Error
      startedAt: {{ $now | Quote }}
{{ end }}
phase: Failed
`;
