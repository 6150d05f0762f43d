/**
 * bin/spice-ts loads the bundled CLI through bin/cli-loader.cjs with a V8
 * code cache per command: written on the first run, used (not rewritten) by
 * the next, replaced when V8 refuses it, and never a reason for a run to fail.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'spice-ts');
const BUNDLE = join(ROOT, 'dist', 'src', 'cli-bundle', 'main.cjs');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

let dir = '';
before(() => { dir = mkdtempSync(join(tmpdir(), 'spice-ts-cache-')); });
after(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[], env: Record<string, string | undefined>): Promise<{ code: number; stdout: string; stderr: string }> {
  const e: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete e[k];
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: e, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

const caches = (d: string, command: string) => existsSync(d) ? readdirSync(d).filter((f) => f.startsWith(`cli-${command}-`) && f.endsWith('.v8')) : [];

test('the CLI bundle exists, is ASCII and newer than tsc output (npm test builds it)', () => {
  assert.ok(existsSync(BUNDLE), `${BUNDLE} is missing: scripts/bundle-cli.mjs did not run`);
  const bytes = readFileSync(BUNDLE);
  assert.ok(bytes.every((b) => b < 0x80), 'the bundle has non-ASCII bytes (the loader reads it as latin1)');
  // Already in CommonJS's wrapper, so the loader compiles the text as it is (no copy).
  assert.ok(bytes.toString('latin1').startsWith('(function (exports, require, module, __filename, __dirname) { '), 'the bundle is not wrapped');
  assert.ok(statSync(BUNDLE).mtimeMs >= statSync(join(ROOT, 'dist', 'src', 'cli', 'main.js')).mtimeMs, 'the bundle is older than dist/src/cli/main.js');
});

test('first run writes a cache for its command; the next run uses it without rewriting', async () => {
  const d = join(dir, 'a');
  const first = await run(['screenshot', '--help'], { SPICE_TS_CACHE_DIR: d, NODE_DISABLE_COMPILE_CACHE: undefined });
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /usage: spice-ts screenshot/);
  const files = caches(d, 'screenshot');
  assert.equal(files.length, 1, `one screenshot cache in ${readdirSync(d).join(', ')}`);
  const file = join(d, files[0]!);
  const before1 = readFileSync(file);
  const mtime = statSync(file).mtimeMs;
  assert.ok(before1.length > 1000, 'the cache holds compiled code');

  const second = await run(['screenshot', '--help'], { SPICE_TS_CACHE_DIR: d, NODE_DISABLE_COMPILE_CACHE: undefined });
  assert.equal(second.code, 0, second.stderr);
  assert.equal(second.stdout, first.stdout);
  assert.equal(statSync(file).mtimeMs, mtime, 'an accepted cache is not written again');
  assert.deepEqual(readFileSync(file), before1);

  // Another command keeps its own cache: --version must not stand in for screenshot's.
  const v = await run(['--version'], { SPICE_TS_CACHE_DIR: d, NODE_DISABLE_COMPILE_CACHE: undefined });
  assert.equal(v.stdout.trim(), VERSION);
  assert.equal(caches(d, 'other').length, 1);
  assert.equal(caches(d, 'screenshot').length, 1);
  assert.equal(readdirSync(d).filter((f) => f.endsWith('.tmp')).length, 0, 'no temporary file left');
});

test('a corrupt cache is refused by V8: the run succeeds and the cache is replaced', async () => {
  const d = join(dir, 'b');
  const first = await run(['screenshot', '--help'], { SPICE_TS_CACHE_DIR: d, NODE_DISABLE_COMPILE_CACHE: undefined });
  assert.equal(first.code, 0, first.stderr);
  const file = join(d, caches(d, 'screenshot')[0]!);
  const garbage = Buffer.alloc(4096, 0x5a);
  writeFileSync(file, garbage);
  const again = await run(['screenshot', '--help'], { SPICE_TS_CACHE_DIR: d, NODE_DISABLE_COMPILE_CACHE: undefined });
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.stdout, first.stdout);
  assert.notDeepEqual(readFileSync(file), garbage, 'the refused cache was rewritten');
});

test('no cache with NODE_DISABLE_COMPILE_CACHE or an empty SPICE_TS_CACHE_DIR; an unusable directory only costs speed', async () => {
  const d = join(dir, 'c');
  const off = await run(['--version'], { SPICE_TS_CACHE_DIR: d, NODE_DISABLE_COMPILE_CACHE: '1' });
  assert.equal(off.stdout.trim(), VERSION);
  assert.equal(existsSync(d), false);

  const empty = await run(['--version'], { SPICE_TS_CACHE_DIR: '', NODE_DISABLE_COMPILE_CACHE: undefined, XDG_CACHE_HOME: join(dir, 'xdg') });
  assert.equal(empty.stdout.trim(), VERSION);
  assert.equal(existsSync(join(dir, 'xdg')), false, 'an empty SPICE_TS_CACHE_DIR turns the cache off');

  const notADir = join(dir, 'a-file');
  writeFileSync(notADir, 'x');
  const bad = await run(['--version'], { SPICE_TS_CACHE_DIR: join(notADir, 'sub'), NODE_DISABLE_COMPILE_CACHE: undefined });
  assert.equal(bad.code, 0, bad.stderr);
  assert.equal(bad.stdout.trim(), VERSION);
  assert.equal(bad.stderr, '');
});

test('without SPICE_TS_CACHE_DIR the cache goes under XDG_CACHE_HOME/spice-ts', async () => {
  const xdg = join(dir, 'xdg2');
  const r = await run(['--version'], { SPICE_TS_CACHE_DIR: undefined, NODE_DISABLE_COMPILE_CACHE: undefined, XDG_CACHE_HOME: xdg });
  assert.equal(r.stdout.trim(), VERSION);
  assert.equal(caches(join(xdg, 'spice-ts'), 'other').length, 1);
});

test('without SPICE_TS_CACHE_DIR and XDG_CACHE_HOME the cache goes under $HOME/.cache/spice-ts', async () => {
  const home = join(dir, 'home');
  const r = await run(['--version'], { SPICE_TS_CACHE_DIR: undefined, NODE_DISABLE_COMPILE_CACHE: undefined, XDG_CACHE_HOME: undefined, HOME: home });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), VERSION);
  assert.equal(caches(join(home, '.cache', 'spice-ts'), 'other').length, 1);
});
