/**
 * Debian's chromium (test/harness/browser/packages.sh) driven by playwright-core: headless, no sandbox (the test
 * machine runs as root), no network beyond what pages ask for, a fresh profile per run. Nothing is downloaded.
 * `audit()` runs axe-core inside the page (accessibility: labels, roles, contrast, keyboard traps).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface Browser {
  readonly context: BrowserContext;
  readonly page: Page;
  close(): Promise<void>;
}

export async function openBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run 'make setup' (installs Debian's chromium)`);
  const profile = mkdtempSync(join(tmpdir(), 'codexlb-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 800 },
    deviceScaleFactor: 1,
    // axe-core is injected as an inline script, which the dashboard's CSP (rightly) forbids.
    bypassCSP: true,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[] }>;
}

/** axe-core's WCAG 2 A/AA violations on the page as it is now (ids and where). */
export async function audit(page: Page): Promise<AxeViolation[]> {
  // Page-side code as text: it runs in the browser, where `window` and `document` exist.
  if (!(await page.evaluate("'axe' in window"))) await page.addScriptTag({ content: AXE_SOURCE });
  return (await page.evaluate(`axe
    .run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
    .then((result) => result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) })))`)) as AxeViolation[];
}

/** Where screenshots go: the suite's results, next to its JSON reports. */
export function screenshotDir(): string {
  const dir = join(process.cwd(), '.local', 'test-results', 'dashboard');
  mkdirSync(dir, { recursive: true });
  return dir;
}
