/**
 * Dashboard benchmark (`make bench`, issue 10). Three figures against the targets:
 *
 *   1. bundle: the built UI's JavaScript and CSS, raw and gzipped (target: JS under 300 KiB gzipped);
 *   2. first load: Debian's Chromium (headless, cold cache per load) opens the dashboard on loopback; first
 *      contentful paint, and "meaningful" = the Overview's figures rendered from the API (target: under 1 s);
 *   3. overview API: `GET /api/dashboard/overview` (1d, 7d, 30d) with 100 accounts and 1,000,000 request-log rows
 *      spread over 30 days, on SQLite and PostgreSQL (target: p95 under 50 ms); the request-log page beside it.
 *
 * The proxy is the real composition (test/integration/proxy/support/proxy-harness.ts) in this process; rows are
 * seeded with one SQL statement and the rollups rebuilt with the migration's own backfill.
 * Writes bench/results/dashboard.md and bench/results/dashboard.json.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { fakeAuthJson } from '../../proxy/accounts/testing.ts';
import { DEFAULT_STATIC_DIR } from '../../proxy/dashboard/wiring.ts';
import { ROLLUP_BACKFILL } from '../../proxy/store/migrations/1766102400000-dashboard.ts';
import { startFakeUpstream } from '../../test/fakes/fake-upstream.ts';
import { startPostgres } from '../../test/harness/postgres.ts';
import { DashboardClient } from '../../test/integration/proxy/support/dashboard-client.ts';
import { startProxy, type ProxyUnderTest } from '../../test/integration/proxy/support/proxy-harness.ts';
import { percentile, summarize, type Summary } from '../proxy/stats.ts';

type Timing = Summary & { p95: number };

const root = fileURLToPath(new URL('../../', import.meta.url));
const ACCOUNTS = 100;
const ROWS = 1_000_000;
const SAMPLES = 200;
const LOADS = 10;
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

interface Size {
  bytes: number;
  gzipBytes: number;
}

function bundle(): { js: Size; css: Size } {
  const assets = join(DEFAULT_STATIC_DIR, 'assets');
  const sizes = { js: { bytes: 0, gzipBytes: 0 }, css: { bytes: 0, gzipBytes: 0 } };
  for (const file of readdirSync(assets)) {
    const kind = file.endsWith('.js') ? sizes.js : file.endsWith('.css') ? sizes.css : undefined;
    if (kind === undefined) continue;
    const content = readFileSync(join(assets, file));
    kind.bytes += content.length;
    kind.gzipBytes += gzipSync(content, { level: 9 }).length;
  }
  return sizes;
}

/** 1M rows over the last 30 days, 100 accounts round robin, four models, 2 % errors. One statement per dialect. */
function seedSql(dialect: 'sqlite' | 'postgres', now: number): string {
  const sequence =
    dialect === 'sqlite'
      ? `WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n < ${ROWS - 1}) `
      : '';
  const from = dialect === 'sqlite' ? 'seq' : `generate_series(0, ${ROWS - 1}) AS seq(n)`;
  return `INSERT INTO request_logs (id, requested_at, account_id, request_id, model, transport, status, error_code,
      input_tokens, output_tokens, cached_input_tokens, reasoning_tokens, cost_usd, latency_ms)
    ${sequence}SELECT 'bench-' || seq.n, ${now} - CAST(seq.n AS BIGINT) * ${Math.floor((30 * 86_400_000) / ROWS)}, a.id, 'req-' || seq.n,
      CASE seq.n % 4 WHEN 0 THEN 'gpt-5.4' WHEN 1 THEN 'gpt-5.4-mini' WHEN 2 THEN 'gpt-5.3-codex' ELSE 'gpt-5.2' END,
      'http', CASE WHEN seq.n % 50 = 0 THEN 'error' ELSE 'success' END,
      CASE WHEN seq.n % 50 = 0 THEN 'rate_limit_exceeded' ELSE NULL END,
      1000 + seq.n % 700, 200 + seq.n % 300, 500, 50, 0.002, 800 + seq.n % 900
    FROM ${from} JOIN (SELECT id, ROW_NUMBER() OVER (ORDER BY id) - 1 AS k FROM accounts) a ON a.k = seq.n % ${ACCOUNTS}`;
}

async function seed(proxy: ProxyUnderTest, dialect: 'sqlite' | 'postgres'): Promise<number> {
  const started = Date.now();
  for (let i = 0; i < ACCOUNTS; i++) {
    await proxy.dataLayer.accountAdmin.importAuthJson(fakeAuthJson({ email: `bench${i}@example.test`, chatgptAccountId: `bench-account-${i}`, chatgptUserId: `bench-user-${i}` }));
  }
  const { dataSource } = proxy.dataLayer;
  await dataSource.query(seedSql(dialect, Date.now()));
  for (const statement of ROLLUP_BACKFILL) await dataSource.query(statement);
  if (dialect === 'postgres') await dataSource.query('ANALYZE');
  return (Date.now() - started) / 1000;
}

async function timeCalls(client: DashboardClient, path: string): Promise<Timing> {
  for (let i = 0; i < 10; i++) await client.call('GET', path); // warm-up: connection, statement caches
  const times: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const started = performance.now();
    const answer = await client.call('GET', path);
    times.push(performance.now() - started);
    if (answer.status !== 200) throw new Error(`${path}: HTTP ${answer.status} ${answer.text}`);
  }
  return { ...summarize(times), p95: percentile([...times].sort((x, y) => x - y), 95) };
}

const PATHS = {
  'overview 1d': '/api/dashboard/overview?timeframe=1d',
  'overview 7d': '/api/dashboard/overview?timeframe=7d',
  'overview 30d': '/api/dashboard/overview?timeframe=30d',
  'request log, first page': '/api/request-logs?limit=25',
  'request log, one account': '/api/request-logs?limit=25&accountId=',
};

interface ApiFigures {
  seedSeconds: number;
  calls: Record<string, Timing>;
  /** The seeded proxy, still running (the first-load figures use it). */
  proxy: ProxyUnderTest;
  close(): Promise<void>;
}

async function apiFigures(dialect: 'sqlite' | 'postgres', databaseUrl: string | undefined): Promise<ApiFigures> {
  const fake = await startFakeUpstream();
  const proxy = await startProxy({ fake, databaseUrl, staticDir: DEFAULT_STATIC_DIR });
  const close = async (): Promise<void> => {
    await proxy.close();
    await fake.close();
  };
  try {
    console.error(`[dashboard bench] seeding ${ROWS} rows on ${dialect}`);
    const seedSeconds = await seed(proxy, dialect);
    const client = new DashboardClient(proxy.url);
    await client.session();
    const someAccount = (await proxy.dataLayer.accounts.list())[0]?.id ?? '';
    const calls: Record<string, Timing> = {};
    for (const [name, path] of Object.entries(PATHS)) calls[name] = await timeCalls(client, path.endsWith('=') ? `${path}${someAccount}` : path);
    return { seedSeconds, calls, proxy, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Cold loads of the Overview in Chromium against the seeded SQLite proxy. */
async function firstLoad(url: string): Promise<{ fcp: Summary; meaningful: Summary }> {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
  const fcp: number[] = [];
  const meaningful: number[] = [];
  try {
    for (let i = 0; i < LOADS + 1; i++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      await page.goto(`${url}/`);
      await page.getByTestId('total-requests').waitFor();
      const figures = (await page.evaluate(`({ fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN, now: performance.now() })`)) as { fcp: number; now: number };
      if (i > 0) {
        // The first load warms the proxy (file cache, statements), not the browser: every context is cold.
        fcp.push(figures.fcp);
        meaningful.push(figures.now);
      }
      await context.close();
    }
  } finally {
    await browser.close();
  }
  return { fcp: summarize(fcp), meaningful: summarize(meaningful) };
}

const ms = (value: number): string => `${value.toFixed(1)} ms`;
const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;

async function main(): Promise<void> {
  const sizes = bundle();
  const sqlite = await apiFigures('sqlite', undefined);
  const loads = await firstLoad(sqlite.proxy.url.replace('127.0.0.1', 'localhost')).finally(() => sqlite.close());
  const postgres = await startPostgres();
  let pg: ApiFigures;
  try {
    pg = await apiFigures('postgres', await postgres.createDatabase('dashboard_bench'));
    await pg.close();
  } finally {
    await postgres.stop();
  }
  const environment = {
    when: new Date().toISOString(),
    cpu: `${cpus()[0]?.model ?? 'unknown'} × ${cpus().length}`,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    // The machine is shared: other work running meanwhile shows here (and in the figures).
    loadAverage: loadavg().map((v) => Math.round(v * 10) / 10),
  };
  const results = { environment, accounts: ACCOUNTS, rows: ROWS, samples: SAMPLES, bundle: sizes, firstLoad: loads, sqlite: { seedSeconds: sqlite.seedSeconds, calls: sqlite.calls }, postgres: { seedSeconds: pg.seedSeconds, calls: pg.calls } };
  const lines = [
    '# Dashboard benchmark',
    '',
    `Run ${environment.when} on ${environment.cpu}, ${environment.memoryGiB} GiB, Node ${environment.node}; load average at the end ${environment.loadAverage.join(' / ')} (1/5/15 min, other work on this shared machine included). Program: bench/dashboard/run.ts.`,
    '',
    '## Bundle (proxy/dashboard/ui/dist)',
    '',
    '| | raw | gzipped | target |',
    '|---|---|---|---|',
    `| JavaScript (all chunks; the chart loads lazily) | ${kib(sizes.js.bytes)} | ${kib(sizes.js.gzipBytes)} | < 300 KiB gzipped |`,
    `| CSS | ${kib(sizes.css.bytes)} | ${kib(sizes.css.gzipBytes)} | |`,
    '',
    `## First load (Chromium, headless, cold cache, loopback; ${LOADS} loads, SQLite with the seeded data below)`,
    '',
    '| | p50 | p90 | max | target |',
    '|---|---|---|---|---|',
    `| first contentful paint | ${ms(loads.fcp.p50)} | ${ms(loads.fcp.p90)} | ${ms(loads.fcp.max)} | |`,
    `| Overview figures rendered (session + overview API) | ${ms(loads.meaningful.p50)} | ${ms(loads.meaningful.p90)} | ${ms(loads.meaningful.max)} | < 1 s |`,
    '',
    `## Dashboard API with ${ACCOUNTS} accounts and ${ROWS.toLocaleString('en')} request-log rows (${SAMPLES} sequential calls each)`,
    '',
    '| call | SQLite p50 / p95 | PostgreSQL p50 / p95 | target |',
    '|---|---|---|---|',
  ];
  for (const name of Object.keys(PATHS)) {
    const a = sqlite.calls[name];
    const b = pg.calls[name];
    if (a === undefined || b === undefined) throw new Error(`no figures for ${name}`);
    lines.push(`| ${name} | ${ms(a.p50)} / ${ms(a.p95)} | ${ms(b.p50)} / ${ms(b.p95)} | ${name.startsWith('overview') ? '< 50 ms p95' : ''} |`);
  }
  lines.push(
    '',
    `Seeding (${ACCOUNTS} imports, one INSERT … SELECT, the migration's rollup backfill): SQLite ${sqlite.seedSeconds.toFixed(1)} s, PostgreSQL ${pg.seedSeconds.toFixed(1)} s.`,
    'The overview reads the hourly rollups summed by the database into its buckets (one row per bucket, model and outcome),',
    'never `request_logs`; the request-log page reads the newest rows through the requested_at index and counts at most',
    '10,000 matches inside the database. p95 on this shared 2-core machine follows its load average (above) more than the',
    'query: compare the p50 column across runs.',
    '',
  );
  await mkdir(join(root, 'bench/results'), { recursive: true });
  await writeFile(join(root, 'bench/results/dashboard.json'), `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(join(root, 'bench/results/dashboard.md'), lines.join('\n'));
  console.log(lines.join('\n'));
}

await main();
