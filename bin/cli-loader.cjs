'use strict';
/**
 * Loads the bundled CLI (dist/src/cli-bundle/main.cjs, made by
 * scripts/bundle-cli.mjs) with a V8 code cache, like Node 22's module compile
 * cache, which Node 20 lacks.
 *
 * Why: a run of `spice-ts screenshot` is short, and compiling ~0.9 MB of
 * JavaScript, then compiling each function again the first time it runs,
 * was a third of it. The cache holds the bytecode of every function the
 * previous run of the same command compiled, so the next run skips both.
 *
 * The cache is per command (a `--help` run must not leave `screenshot` a
 * cache without its decoders), lives in the user's cache directory
 * ($SPICE_TS_CACHE_DIR, else $XDG_CACHE_HOME/spice-ts, else ~/.cache/spice-ts),
 * and is written at exit only when missing or refused by V8 (another Node,
 * another bundle): V8 checks the source, its own version and flags, and falls
 * back to compiling. Writes go to a temporary name and are renamed into
 * place, so a concurrent run never reads half a file. Any failure to read or
 * write the cache only costs speed. NODE_DISABLE_COMPILE_CACHE=1 (Node's own
 * switch) or SPICE_TS_CACHE_DIR='' turns it off.
 */
const { readFileSync, writeFileSync, renameSync, mkdirSync, statSync, readdirSync, rmSync } = require('node:fs');
const { join } = require('node:path');
const { Script } = require('node:vm');
const { isAscii } = require('node:buffer');
const Module = require('node:module');

// The text scripts/bundle-cli.mjs puts before the module (CommonJS's own wrapper).
const WRAPPER_HEAD = '(function (exports, require, module, __filename, __dirname) { ';

function cacheDir() {
  if (process.env.NODE_DISABLE_COMPILE_CACHE) return undefined;
  const own = process.env.SPICE_TS_CACHE_DIR;
  if (own !== undefined) return own || undefined;
  // $HOME first: node:os costs ~1 ms to load, a visible part of a short command.
  const home = process.env.HOME || require('node:os').homedir();
  const base = process.env.XDG_CACHE_HOME || (home ? join(home, '.cache') : '');
  return base ? join(base, 'spice-ts') : undefined;
}

/** Runs the CommonJS file `file` (with a code cache named after `command`) and returns its exports. */
function loadCli(file, command) {
  // The bundle is ASCII (scripts/bundle-cli.mjs makes it so): then latin1
  // reads it the same as UTF-8, ~4 ms faster for 0.9 MB.
  const bytes = readFileSync(file);
  const source = isAscii(bytes) ? bytes.latin1Slice(0, bytes.length) : bytes.toString('utf8');
  const dir = cacheDir();
  const st = statSync(file);
  // The name changes with the bundle and the Node version, so an old cache is never even read.
  const name = /^[a-z][a-z-]{0,31}$/.test(String(command)) ? command : 'other';
  const tag = `${name}-${process.version}-${st.size}-${Math.round(st.mtimeMs)}`;
  const cacheFile = dir ? join(dir, `cli-${tag}.v8`) : undefined;
  let cachedData;
  if (cacheFile) {
    try { cachedData = readFileSync(cacheFile); } catch { /* first run */ }
  }
  // scripts/bundle-cli.mjs writes the module already wrapped: compiled as it is, the
  // source stays one flat string (Module.wrap would make V8 copy it into a new one).
  const code = source.startsWith(WRAPPER_HEAD) ? source : Module.wrap(source);
  const script = new Script(code, { filename: file, cachedData });
  const mod = { exports: {}, filename: file, id: file, loaded: false };
  const req = Module.createRequire(file);
  script.runInThisContext().call(mod.exports, mod.exports, req, mod, file, join(file, '..'));
  mod.loaded = true;
  if (cacheFile && (!cachedData || script.cachedDataRejected)) {
    process.once('exit', () => {
      try {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        const tmp = `${cacheFile}.${process.pid}.tmp`;
        writeFileSync(tmp, script.createCachedData());
        renameSync(tmp, cacheFile);
        // Caches of this command for other bundles or Node versions are dead weight.
        for (const f of readdirSync(dir)) {
          if (f.startsWith(`cli-${name}-`) && f !== `cli-${tag}.v8` && f.endsWith('.v8')) rmSync(join(dir, f), { force: true });
        }
      } catch { /* read-only or full: run without a cache */ }
    });
  }
  return mod.exports;
}

module.exports = { loadCli };
