#!/usr/bin/env node
/**
 * Bundles the compiled CLI (dist/src/cli/main.js, tsc's output) into one
 * CommonJS module, dist/src/cli-bundle/main.cjs, which bin/spice-ts loads
 * (through bin/cli-loader.cjs and its V8 code cache) when present. The file
 * holds the module inside CommonJS's function wrapper: it is meant for the
 * loader, not for require().
 *
 * Why: loading ~100 small ES modules costs Node ~50 ms of resolving, reading
 * and compiling on every run. One CommonJS file is read once and can be
 * compiled from a code cache (vm.Script cachedData: Node 20 has no cache for
 * ES modules). Modules inside are evaluated only when first required (the
 * commands, the display channel and the codecs are loaded on demand), so a
 * short command still runs little of it. The code is tsc's output unchanged
 * (no minification: stack traces keep their names), so tests of dist/ test it.
 *
 * The file sits at the same depth as dist/src/cli/main.js, so
 * `new URL('../../../package.json', import.meta.url)` (rewritten to the
 * bundle's own URL) still finds package.json. Without esbuild (a production
 * install), or when bundling fails, this leaves no bundle and bin/spice-ts
 * loads dist/src/cli/main.js.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// The same text bin/cli-loader.cjs checks for.
const WRAPPER_HEAD = '(function (exports, require, module, __filename, __dirname) { ';
const WRAPPER_TAIL = '\n});\n';

const root = fileURLToPath(new URL('..', import.meta.url));
const entry = `${root}dist/src/cli/main.js`;
const outdir = `${root}dist/src/cli-bundle`;

// Clear an older build (or the ES-module chunks earlier versions made).
rmSync(outdir, { recursive: true, force: true });

let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  console.error('bundle-cli: esbuild is not installed; bin/spice-ts will load dist/src/cli/main.js');
  process.exit(0);
}
if (!existsSync(entry)) {
  console.error(`bundle-cli: ${entry} is missing: run tsc first`);
  process.exit(1);
}

try {
  await esbuild.build({
    entryPoints: [entry],
    outfile: `${outdir}/main.cjs`,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    // import() of our own modules becomes a lazy require inside the bundle.
    supported: { 'dynamic-import': false },
    // ASCII output (bin/cli-loader.cjs then reads it as latin1, without a
    // UTF-8 decoding pass); the comments esbuild keeps are escaped below.
    charset: 'ascii',
    define: { 'import.meta.url': '__bundleUrl' },
    banner: { js: "const __bundleUrl = require('node:url').pathToFileURL(__filename).href;" },
    // npm packages stay outside (ws is CommonJS with optional native add-ons).
    packages: 'external',
    logLevel: 'warning',
  });
  // esbuild escapes non-ASCII characters in code, not in the comments it
  // keeps: escape those too (\uXXXX reads the same in a comment).
  const out = `${outdir}/main.cjs`;
  const text = readFileSync(out, 'utf8');
  // The file holds the module already wrapped as CommonJS wraps it (on its first line, so
  // line numbers do not move): the loader compiles the file's text as it is, where
  // Module.wrap() would make V8 copy 0.9 MB into one flat string first (~1.5 ms).
  const ascii = text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  writeFileSync(out, `${WRAPPER_HEAD}${ascii}${WRAPPER_TAIL}`);
} catch (e) {
  // A broken esbuild install (e.g. its platform binary skipped) must not
  // break `npm ci`: the unbundled CLI is the same code, only slower to start.
  rmSync(outdir, { recursive: true, force: true });
  console.error(`bundle-cli: bundling failed, bin/spice-ts will load dist/src/cli/main.js: ${e?.message ?? e}`);
}
