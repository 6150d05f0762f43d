/**
 * Headless Chromium (playwright-core, the Debian chromium binary) and the web viewer bundle
 * for interop tests: one browser and one bundle per test file, removed when the file ends.
 * Missing Chromium or playwright-core skips the test, and fails it under SPICE_INTEROP=required.
 */
import { after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { pngFromDataUrl } from '../helpers/png-decode.js';
import { needPeers, interopRequired } from './peers.js';
import { waitUntil } from './proc.js';
import { diffImages, sameImage } from './scene.js';
import type { RgbaImage } from '../../src/cli/image-files.js';
import { viewerHttpHandler } from '../../src/server/web-files.js';

export const CHROMIUM = '/usr/bin/chromium';

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run'];

let bundleDir: string | undefined;
let browser: Promise<Browser> | undefined;

// Registered when a test file imports this module (its top level), so it runs once the
// whole file is done; registered inside a test it would run after that test alone.
after(async () => {
  if (browser) await (await browser.catch(() => undefined))?.close();
  if (bundleDir) rmSync(bundleDir, { recursive: true, force: true });
});

/** The viewer bundled into a temporary folder (built once per test file). */
export function viewerBundle(): string {
  // A bundle built beforehand (scripts/bundle-viewer.mjs --outdir DIR), used as it is.
  const given = process.env.SPICE_TEST_VIEWER_DIR;
  if (given) {
    assert.ok(existsSync(join(given, 'app.js')) && existsSync(join(given, 'index.html')), `SPICE_TEST_VIEWER_DIR ${given} has app.js and index.html`);
    return given;
  }
  if (!bundleDir) {
    const dir = mkdtempSync(join(tmpdir(), 'spice-ts-viewer-'));
    const r = spawnSync(process.execPath, ['scripts/bundle-viewer.mjs', '--outdir', dir, '--strict', '--quiet'], { encoding: 'utf8' });
    assert.equal(r.status, 0, `bundling the viewer failed: ${r.stderr}`);
    assert.ok(existsSync(join(dir, 'app.js')) && existsSync(join(dir, 'index.html')), 'the bundle has app.js and index.html');
    bundleDir = dir;
  }
  return bundleDir;
}

/**
 * Chromium with the viewer bundle ready, or undefined after skipping the test. `peers`: other
 * commands the test needs (checked first, same skip/fail rule).
 */
export async function chromiumReady(t: TestContext, ...peers: string[]): Promise<Browser | undefined> {
  if (!needPeers(t, CHROMIUM, ...peers)) return undefined;
  let pw: typeof import('playwright-core');
  try {
    pw = await import('playwright-core');
  } catch {
    if (interopRequired()) assert.fail('playwright-core is not installed (npm ci)');
    t.skip('playwright-core is not installed (npm ci)');
    return undefined;
  }
  viewerBundle();
  browser ??= pw.chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  return browser;
}

/** The viewer's files on a loopback HTTP port, closed after the test: the base URL ('http://127.0.0.1:P/'). */
export async function serveViewerFiles(t: TestContext): Promise<string> {
  const server = http.createServer(viewerHttpHandler(viewerBundle()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

/**
 * A page in a new browser context (closed after the test) whose console lines and uncaught
 * errors are collected in `log`. `prepare` runs on the context before the page opens
 * (permissions, init scripts).
 */
export async function newPage(t: TestContext, b: Browser, options: BrowserContextOptions = {},
  prepare?: (context: BrowserContext) => Promise<unknown>): Promise<{ page: Page; log: string[] }> {
  const context = await b.newContext(options);
  t.after(() => context.close());
  if (prepare) await prepare(context);
  const page = await context.newPage();
  const log: string[] = [];
  page.on('console', (m) => log.push(m.text()));
  page.on('pageerror', (e) => log.push(`page error: ${e.message}`));
  return { page, log };
}

/** The viewer page's status line text. */
export const statusText = (page: Page): Promise<string> => page.evaluate(() => document.getElementById('status')?.textContent ?? '');

/** The page's (first) canvas as 0x00RRGGBB pixels, or undefined while it has no size. */
export async function canvasImage(page: Page): Promise<{ width: number; height: number; pixels: Uint32Array } | undefined> {
  const url = await page.evaluate(() => {
    const c = document.querySelector('canvas');
    return c && c.width > 0 && c.height > 0 ? c.toDataURL('image/png') : null;
  });
  if (!url) return undefined;
  const png = pngFromDataUrl(url);
  const pixels = new Uint32Array(png.width * png.height);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (png.rgba[i * 4]! << 16) | (png.rgba[i * 4 + 1]! << 8) | png.rgba[i * 4 + 2]!;
  return { width: png.width, height: png.height, pixels };
}

/** What differs between the canvas picture and the server's. */
export function describeDiff(a: RgbaImage | undefined, b: RgbaImage): string {
  if (!a) return 'no picture on the canvas';
  const d = diffImages(a, b);
  if (d.count === Infinity) return `sizes differ: canvas ${a.width}x${a.height}, server ${b.width}x${b.height}`;
  return `${d.count} pixels differ; first at (${d.first?.x},${d.first?.y}): canvas ${d.first?.a}, server ${d.first?.b}`;
}

/**
 * Waits until the canvas equals one of the pictures `expected()` gives just before or just
 * after reading it (the server's picture may change meanwhile); fails saying what differed,
 * the page's status line and its last console messages (`log`).
 */
export async function canvasMatches(page: Page, log: string[], what: string, expected: () => Promise<RgbaImage[]>): Promise<void> {
  let verdict = 'never compared';
  const ok = await waitUntil(what, async () => {
    const before = await expected();
    const img = await canvasImage(page);
    const all = [...before, ...await expected()];
    if (img && all.some((e) => sameImage(img, e))) return true;
    verdict = describeDiff(img, all.at(-1)!);
    return false;
  }, { timeoutMs: 25_000, intervalMs: 300 }).then(() => true, () => false);
  if (!ok) assert.fail(`${what}: ${verdict}; status "${await statusText(page)}"; console: ${log.slice(-5).join(' | ')}`);
}
