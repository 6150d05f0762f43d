#!/usr/bin/env node
/**
 * Bundles the compiled CLI (dist/src/cli/main.js, tsc's output) into a few
 * ES modules in dist/src/cli-bundle/, which bin/spice-ts loads when present.
 *
 * Why: loading ~100 small modules costs Node ~50 ms of resolving, reading
 * and compiling on every run; the bundle is one entry plus one chunk per
 * command (esbuild code splitting), so `--help` still loads almost nothing
 * and `screenshot` loads 4 files. The code is tsc's output unchanged (no
 * minification: stack traces keep their names), so tests of dist/ test it.
 *
 * The directory sits at the same depth as dist/src/cli/, so main's
 * `new URL('../../../package.json', import.meta.url)` still finds
 * package.json. Without esbuild (a production install), or when bundling
 * fails, this leaves no bundle and bin/spice-ts loads dist/src/cli/main.js.
 */
import { existsSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const entry = `${root}dist/src/cli/main.js`;
const outdir = `${root}dist/src/cli-bundle`;

// Chunk names carry content hashes: clear old ones so the directory holds one
// build, or none when this build cannot make one.
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
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // npm packages stay outside (ws is CommonJS with optional native add-ons).
    packages: 'external',
    logLevel: 'warning',
  });
} catch (e) {
  // A broken esbuild install (e.g. its platform binary skipped) must not
  // break `npm ci`: the unbundled CLI is the same code, only slower to start.
  rmSync(outdir, { recursive: true, force: true });
  console.error(`bundle-cli: bundling failed, bin/spice-ts will load dist/src/cli/main.js: ${e?.message ?? e}`);
}
