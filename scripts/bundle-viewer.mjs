#!/usr/bin/env node
/**
 * Bundles the web viewer for browsers into dist/viewer/ (or --outdir DIR, or
 * $SPICE_VIEWER_OUTDIR):
 *   index.html      the page `spice-ts serve` (and later the gateway) serves
 *   app.js          the page's script (src/viewer/app.ts and everything it imports)
 *   spice-viewer.js the library: SpiceViewer, <spice-viewer>, the WebSocket transport (ESM)
 *   decode-worker.js the image-decoding worker both of them start (found next to them)
 *   *.map           source maps
 *
 * esbuild reads the TypeScript sources directly (it strips the types; `tsc` checks them
 * in the same build), so the bundle does not depend on dist/src being built first and
 * carries source maps to the .ts files.
 *
 * The browser code must not reach any Node module: a `node:*` import or a Node builtin
 * anywhere in the graph fails the build (exit 1), naming the importer.
 * Without esbuild (a production install) it says so and leaves no bundle (exit 0), unless
 * --strict is given.
 */
import { copyFileSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name) => {
  const i = args.indexOf(name);
  if (i >= 0) return args[i + 1];
  const eq = args.find((a) => a.startsWith(`${name}=`));
  return eq?.slice(name.length + 1);
};
const outdir = resolve(option('--outdir') ?? process.env.SPICE_VIEWER_OUTDIR ?? join(root, 'dist/viewer'));
const strict = flag('--strict');
const minify = !flag('--no-minify');

let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  console.error('bundle-viewer: esbuild is not installed; no web viewer is built');
  process.exit(strict ? 1 : 0);
}

const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
/** Fails the build on any import of a Node module, naming the file that asked for it. */
const noNode = {
  name: 'no-node-modules',
  setup(build) {
    build.onResolve({ filter: /.*/ }, (a) => {
      const bare = a.path.split('/')[0];
      if (a.path.startsWith('node:') || builtins.has(a.path) || (builtins.has(bare) && !a.path.startsWith('.'))) {
        return { errors: [{ text: `browser code imports the Node module '${a.path}' (from ${a.importer.replace(root, '')})` }] };
      }
      return undefined;
    });
  },
};

rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });
const common = {
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome100', 'firefox100', 'safari15.4'],
  sourcemap: true,
  minify,
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [noNode],
  metafile: true,
};

try {
  const results = await Promise.all([
    esbuild.build({ ...common, entryPoints: { app: join(root, 'src/viewer/app.ts') }, outdir }),
    esbuild.build({ ...common, entryPoints: { 'spice-viewer': join(root, 'src/viewer/index.ts') }, outdir }),
    esbuild.build({ ...common, entryPoints: { 'decode-worker': join(root, 'src/viewer/decode-worker.ts') }, outdir }),
  ]);
  // npm packages have no business in the browser bundle either (ws is Node-only).
  for (const r of results) {
    for (const input of Object.keys(r.metafile.inputs)) {
      if (input.includes('node_modules/')) throw new Error(`an npm package slipped into the browser bundle: ${input}`);
    }
  }
} catch (e) {
  rmSync(outdir, { recursive: true, force: true });
  console.error(`bundle-viewer: ${e?.message ?? e}`);
  process.exit(1);
}
copyFileSync(join(root, 'src/viewer/index.html'), join(outdir, 'index.html'));
if (!flag('--quiet')) {
  const kb = (f) => `${(statSync(join(outdir, f)).size / 1024).toFixed(1)} KiB`;
  console.log(`bundle-viewer: ${relative(process.cwd(), outdir) || '.'}: app.js ${kb('app.js')}, spice-viewer.js ${kb('spice-viewer.js')}, decode-worker.js ${kb('decode-worker.js')}, index.html ${kb('index.html')}`);
}
