/**
 * A stand-in proxy process for the cross-process refresh test: wires the real data layer from CODEX_LB_*
 * settings, prints "ready", waits for "go" on stdin, then forces `CONCURRENCY` refreshes of one account after a
 * 401 on `FAILED_TOKEN` and prints the tokens it ended with as JSON.
 *
 *   node refresh-worker.ts <accountId> <failedAccessToken> <concurrency>
 */
import { once } from 'node:events';
import { openDataLayer } from '../../../proxy/cli/data-layer.ts';
import { loadSettings } from '../../../proxy/config/settings.ts';

const [accountId = '', failedToken = '', concurrency = '1'] = process.argv.slice(2);
const { dataLayer } = await openDataLayer(loadSettings(process.env));
process.stdout.write('ready\n');
await once(process.stdin, 'data');
try {
  const tokens = await Promise.all(
    Array.from({ length: Number(concurrency) }, () => dataLayer.tokens.forceRefresh(accountId, failedToken)),
  );
  process.stdout.write(`${JSON.stringify({ tokens })}\n`);
} catch (err) {
  process.stdout.write(`${JSON.stringify({ error: (err as { code?: string }).code ?? String(err) })}\n`);
} finally {
  await dataLayer.close();
}
