/**
 * The web viewer bench (issue 5): our viewer (src/viewer, the bundle scripts/bundle-viewer.mjs
 * makes) against spice-html5 (Debian's /usr/share/spice-html5), in the same headless
 * Chromium, connected in turn to a fresh Xspice (image-compression quic, video streaming off,
 * so both stay lossless) running the same scripted X drawing as the server bench
 * (bench/server-x11-workload.ts: typing, photo panning, scrolling text, fills at 30 steps/s).
 * Both connect over WebSocket straight to Xspice's plain port (spice-server 0.14.3+ takes
 * WebSocket there), through a byte-counting TCP relay that tells when the server is quiet.
 *
 * Per phase and client:
 *   fps          animation frames that showed a change of the canvas (an init script wraps
 *                the 2D context's drawing calls: same definition for both, see
 *                frameCounter), over the phase's time until its last such frame;
 *   CPU/frame    the renderer main thread's busy time (CDP Performance.getMetrics
 *                TaskDuration) per frame; all Chromium processes (/proc) alongside;
 *   decode/frame self time of the QUIC decoder (CDP CPU profile: our src/codecs/quic*.ts
 *                through the bundle's source map; spice-html5's quic.js) per frame;
 *   delay        from the end of the phase's last X request to the frame that showed the
 *                last change, when the canvas is then pixel-exact against the X root window
 *                (else the difference is printed).
 * Then two phases flat out: photo panning and scrolling, each step sent as soon as the X
 * server has taken the previous one, for 3 s ('photo-max', 'scroll-max'): spice-server
 * skips drawings a lagging client has not received yet, so fps there is how many frames a
 * client keeps up with, and the delay how far behind it ends.
 * Clients: 'ours' is the shipped page (index.html + app.js, 1:1); 'ours10' the same
 * SpiceViewer from the library bundle asking for spice-html5's smaller pixmap cache (10 Mi
 * pixels instead of our 20 Mi): the photo panning cycles through 80 positions, which our
 * cache holds (cache hits, nothing decoded) and spice-html5's does not, so 'ours10' is the
 * like-for-like decoding comparison. Rounds alternate the order of the clients.
 *
 * Environment: VIEWER_HTML5_ROUNDS (default 3), VIEWER_HTML5_PHASES=typing,photo (a subset),
 * VIEWER_HTML5_CLIENTS=ours,html5 (a subset of ours, ours10, html5), VIEWER_HTML5_MAX=0 (no
 * flat-out phases), VIEWER_HTML5_PROFILE=0 (no CPU profile: no decode time, less overhead),
 * VIEWER_HTML5_VERBOSE=1 (where each client's time goes, per phase: profile categories and
 * functions), VIEWER_HTML5_BUNDLE=DIR (a viewer bundle made before, e.g. of changed sources,
 * instead of bundling the working tree).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page, CDPSession } from 'playwright-core';
import { commandExists, startXspice, sleep, type XspicePeer } from '../test/harness/peers.js';
import { Drawer, Workload, PHASES as ALL_PHASES, W, H, RATE } from './server-x11-workload.js';
import {
  serveStatic, Relay, frameCounter, pageCounts, canvasPixels, pictureDiff, chromiumPids, cpuMs,
  splitProfile, oursClassifier, html5Classifier, nowMs, type CpuProfile, type Classifier, type ProfileSplit,
} from './viewer-html5-page.js';

const CHROMIUM = '/usr/bin/chromium';
const HTML5_DIR = '/usr/share/spice-html5';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run'];
const only = process.env.VIEWER_HTML5_PHASES?.split(',');
const PHASES = only ? ALL_PHASES.filter(([n]) => only.includes(n)) : ALL_PHASES;
const PROFILE = process.env.VIEWER_HTML5_PROFILE !== '0';
const VERBOSE = !!process.env.VIEWER_HTML5_VERBOSE;
const MAX_MS = 3000;
/** The phases run flat out (after the paced ones). */
const MAX_PHASES = process.env.VIEWER_HTML5_MAX === '0' ? [] : ['photo', 'scroll'].filter((n) => !only || only.includes(n));

/**
 * `phase`'s steps, each sent once the X server has taken the previous one, for `ms`; returns
 * the number of steps. Workload paces its run() at RATE, so this calls its step methods.
 */
async function flatOut(work: Workload, drawer: Drawer, phase: string, ms: number): Promise<number> {
  const step = (work as unknown as Record<string, unknown>)[`${phase}Step`];
  if (typeof step !== 'function') throw new Error(`bench/server-x11-workload.ts: Workload has no ${phase}Step() any more`);
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < ms) {
    (step as () => void).call(work);
    await drawer.sync();
    n++;
  }
  return n;
}

type Kind = 'ours' | 'ours10' | 'html5';
const KINDS: Kind[] = ['ours', 'ours10', 'html5'];
const NAME: Record<Kind, string> = { ours: 'spice-ts viewer', ours10: 'spice-ts, 10 Mi cache', html5: 'spice-html5' };
const SELECTOR: Record<Kind, string> = { ours: 'canvas.spice-canvas', ours10: 'canvas.spice-canvas', html5: 'canvas#spice_surface_0' };
/** spice-html5's pixmap cache (DISPLAY_INIT pixmap_cache_size, pixels); ours asks for 20 Mi. */
const HTML5_CACHE = 10 * 1024 * 1024;

/**
 * A page with SpiceViewer alone from the library bundle, 1:1, with spice-html5's pixmap
 * cache size: the photo panning repeats its 80 positions, which fit our default cache
 * (cache hits, nothing to decode) but not spice-html5's.
 */
const OURS10_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>bench</title></head>
<body style="margin:0"><div id="screen" style="width:1280px;height:1000px"></div>
<script type="module">
import { SpiceViewer } from './spice-viewer.js';
const q = new URLSearchParams(location.search);
const v = new SpiceViewer(document.getElementById('screen'), { scale: 'none', reconnect: false, session: { pixmapCacheSize: Number(q.get('cache')) } });
v.connect({ url: q.get('url') });
</script></body></html>
`;

interface PhaseResult {
  /** workload steps sent */
  steps: number;
  frames: number;
  calls: number;
  /** from the phase's first step to its last drawing (or its last step), ms */
  wallMs: number;
  /** renderer main thread busy (TaskDuration), and its JavaScript part (ScriptDuration), ms */
  taskMs: number;
  scriptMs: number;
  /** all Chromium processes, ms */
  chromiumMs: number;
  bytes: number;
  /** profile self time by category, ms (empty without a profile) */
  prof: Map<string, number>;
  /** and by function */
  fns: Map<string, number>;
  /** the frame that showed the last change, minus the end of the last step, ms */
  delayMs: number;
  mismatch?: string;
}

interface Env {
  browser: Browser;
  httpPort: number;
  classify: Record<Kind, Classifier>;
}

/** Until neither the relay nor the canvas has seen anything for `gapMs`. */
async function settle(page: Page, relay: Relay, gapMs = 400, maxMs = 30_000): Promise<void> {
  const t0 = nowMs();
  for (;;) {
    await sleep(150);
    const { lastChange } = await pageCounts(page);
    if (nowMs() - Math.max(lastChange, relay.lastData) >= gapMs || nowMs() - t0 > maxMs) return;
  }
}

async function metrics(cdp: CDPSession): Promise<{ task: number; script: number }> {
  const { metrics: m } = await cdp.send('Performance.getMetrics');
  const get = (n: string) => (m.find((x) => x.name === n)?.value ?? 0) * 1000;
  return { task: get('TaskDuration'), script: get('ScriptDuration') };
}

async function runOnce(kind: Kind, env: Env): Promise<Map<string, PhaseResult>> {
  let x: XspicePeer | undefined;
  let drawer: Drawer | undefined;
  let relay: Relay | undefined;
  const context = await env.browser.newContext({ viewport: { width: 1280, height: 1000 } });
  try {
    x = await startXspice({ demo: false, driverOptions: { SpiceImageCompression: 'quic', SpiceStreamingVideo: 'off' } });
    drawer = await Drawer.connect(x.display);
    if (drawer.c.screen.width !== W || drawer.c.screen.height !== H) throw new Error(`Xspice screen is ${drawer.c.screen.width}x${drawer.c.screen.height}`);
    const work = new Workload(drawer, { expect() {}, waitSeen: async () => true });
    await work.background();
    relay = await Relay.start(x.port);

    const page = await context.newPage();
    const log: string[] = [];
    page.on('console', (m) => log.push(m.text()));
    page.on('pageerror', (e) => log.push(`page error: ${e.message}`));
    page.on('dialog', (d) => { log.push(`dialog: ${d.message()}`); void d.dismiss(); });
    await page.addInitScript(frameCounter, SELECTOR[kind]);
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    if (PROFILE) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
    }
    const ws = encodeURIComponent(`ws://127.0.0.1:${relay.port}/`);
    const url = kind === 'ours' ? `http://127.0.0.1:${env.httpPort}/ours/index.html?url=${ws}&scale=none&reconnect=off`
      : kind === 'ours10' ? `http://127.0.0.1:${env.httpPort}/ours/bench.html?url=${ws}&cache=${HTML5_CACHE}`
      : `http://127.0.0.1:${env.httpPort}/html5/spice_auto.html?host=127.0.0.1&port=${relay.port}`;
    await page.goto(url);

    // Connected and showing the background: the canvas equals the root window.
    let root = await drawer.rootPixels();
    let diff: string | undefined = 'no canvas';
    const t0 = Date.now();
    while (Date.now() - t0 < 20_000) {
      diff = pictureDiff(await canvasPixels(page, SELECTOR[kind]), root, W, H);
      if (!diff) break;
      await sleep(300);
    }
    if (diff) throw new Error(`${NAME[kind]} did not show the screen within 20 s: ${diff}; console: ${log.slice(-5).join(' | ')}`);
    // Warm-up (not measured): JIT and caches in a steady state.
    for (const [name] of PHASES) await work.run(name, 10, false);
    await drawer.sync();
    await settle(page, relay);

    const chrome = chromiumPids();
    const out = new Map<string, PhaseResult>();
    const phases: [string, number][] = [...PHASES, ...MAX_PHASES.map((n): [string, number] => [`${n}-max`, 0])];
    for (const [name, steps] of phases) {
      const c0 = await pageCounts(page), m0 = await metrics(cdp), p0 = cpuMs(chrome), b0 = relay.down;
      if (PROFILE) await cdp.send('Profiler.start');
      const tStart = nowMs();
      const sent = name.endsWith('-max') ? await flatOut(work, drawer, name.slice(0, -4), MAX_MS) : (await work.run(name, steps, false), steps);
      await drawer.sync();
      const tEnd = nowMs();
      await settle(page, relay);
      const profile = PROFILE ? ((await cdp.send('Profiler.stop')).profile as CpuProfile) : undefined;
      const c1 = await pageCounts(page), m1 = await metrics(cdp), p1 = cpuMs(chrome), b1 = relay.down;
      root = await drawer.rootPixels();
      const mismatch = pictureDiff(await canvasPixels(page, SELECTOR[kind]), root, W, H);
      const split: ProfileSplit = profile ? splitProfile(profile, env.classify[kind]) : { byCat: new Map(), byFn: new Map() };
      const last = c1.frames > c0.frames ? c1.lastChange : tEnd;
      out.set(name, {
        steps: sent, frames: c1.frames - c0.frames, calls: c1.calls - c0.calls, wallMs: Math.max(last, tEnd) - tStart,
        taskMs: m1.task - m0.task, scriptMs: m1.script - m0.script, chromiumMs: p1 - p0, bytes: b1 - b0,
        prof: split.byCat, fns: split.byFn, delayMs: last - tEnd, mismatch,
      });
    }
    await cdp.detach().catch(() => {});
    return out;
  } finally {
    await context.close().catch(() => {});
    await relay?.close();
    drawer?.close();
    await x?.stop();
  }
}

// ---------------------------------------------------------------- report

const median = (xs: number[]) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (!s.length) return NaN;
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const range = (xs: number[], digits: number) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (!s.length) return '—';
  const f = (v: number) => v.toFixed(digits);
  return f(s[0]!) === f(s[s.length - 1]!) ? f(s[0]!) : `${f(median(s))} (${f(s[0]!)}-${f(s[s.length - 1]!)})`;
};

/** Derived figures of one phase of one run. */
function figures(r: PhaseResult) {
  const f = Math.max(1, r.frames);
  const js = [...r.prof].filter(([k]) => k !== '(idle)' && k !== '(program)').reduce((a, [, v]) => a + v, 0);
  return {
    fps: (r.frames * 1000) / r.wallMs,
    cpu: r.taskMs / f,
    cpuStep: r.taskMs / Math.max(1, r.steps),
    script: r.scriptMs / f,
    chromium: r.chromiumMs / f,
    decode: PROFILE ? (r.prof.get('decode') ?? 0) / f : NaN,
    js: PROFILE ? js / f : NaN,
    delay: r.mismatch ? NaN : r.delayMs,
    kbPerFrame: r.bytes / 1024 / f,
  };
}

/** The paced phases together. */
function total(runs: Map<string, PhaseResult>): PhaseResult {
  const t: PhaseResult = { steps: 0, frames: 0, calls: 0, wallMs: 0, taskMs: 0, scriptMs: 0, chromiumMs: 0, bytes: 0, prof: new Map(), fns: new Map(), delayMs: 0 };
  for (const [name, r] of runs) {
    if (name.endsWith('-max')) continue;
    t.steps += r.steps; t.frames += r.frames; t.calls += r.calls; t.wallMs += r.wallMs; t.taskMs += r.taskMs; t.scriptMs += r.scriptMs;
    t.chromiumMs += r.chromiumMs; t.bytes += r.bytes; t.delayMs = r.delayMs; t.mismatch = r.mismatch;
    for (const [k, v] of r.prof) t.prof.set(k, (t.prof.get(k) ?? 0) + v);
    for (const [k, v] of r.fns) t.fns.set(k, (t.fns.get(k) ?? 0) + v);
  }
  return t;
}

function printRun(kind: Kind, runs: Map<string, PhaseResult>): void {
  console.log(`  ${NAME[kind]}:`);
  for (const [name, r] of [...runs, ['paced', total(runs)] as const]) {
    const f = figures(r);
    console.log(`    ${name.padEnd(10)} ${String(r.steps).padStart(4)} steps ${String(r.frames).padStart(4)} frames (${r.calls} draw calls) ${f.fps.toFixed(1).padStart(5)} fps  ` +
      `main thread ${r.taskMs.toFixed(0)} ms (JS ${r.scriptMs.toFixed(0)})  Chromium ${r.chromiumMs.toFixed(0)} ms  ` +
      `${PROFILE ? `decode ${(r.prof.get('decode') ?? 0).toFixed(0)} ms  ` : ''}${(r.bytes / 1024).toFixed(0)} KiB  ` +
      `last change shown ${r.delayMs.toFixed(0)} ms after the last step${r.mismatch ? `  PICTURE DIFFERS: ${r.mismatch}` : ''}`);
    if (VERBOSE && r.prof.size) {
      const top = [...r.prof].filter(([k]) => k !== '(idle)').sort((a, b) => b[1] - a[1]).slice(0, 8);
      console.log(`${' '.repeat(17)}${top.map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')} (ms, profile self time)`);
      const fns = [...r.fns].filter(([k]) => k !== '(idle)').sort((a, b) => b[1] - a[1]).slice(0, 6);
      for (const [k, v] of fns) console.log(`${' '.repeat(19)}${v.toFixed(0).padStart(5)} ms ${k}`);
    }
  }
}

function summary(res: Record<Kind, Map<string, PhaseResult>[]>, kinds: Kind[]): void {
  const names = [...res[kinds[0]!][0]!.keys(), 'paced'];
  const get = (r: Map<string, PhaseResult>, n: string) => figures(n === 'paced' ? total(r) : r.get(n)!);
  console.log(`\n  medians (range) over ${res[kinds[0]!].length} runs each; per frame = per animation frame that showed a change,`);
  console.log('  per step = per workload step sent to X; "vs" rows: fps ours/html5, costs html5/ours (above 1: ours better)');
  console.log('  | phase | client | fps | main-thread CPU ms/frame | ms/step | JS ms/frame (profile) | QUIC decode ms/frame | all Chromium CPU ms/frame | KiB/frame | final-picture delay ms |');
  console.log('  |---|---|---|---|---|---|---|---|---|---|');
  for (const n of names) {
    const rows = Object.fromEntries(kinds.map((k) => [k, res[k].map((r) => get(r, n))])) as Record<Kind, ReturnType<typeof get>[]>;
    for (const kind of kinds) {
      const v = rows[kind];
      const bad = v.filter((x) => !Number.isFinite(x.delay)).length;
      console.log(`  | ${n} | ${NAME[kind]} | ${range(v.map((x) => x.fps), 1)} | ${range(v.map((x) => x.cpu), 2)} | ${range(v.map((x) => x.cpuStep), 2)} | ${range(v.map((x) => x.js), 2)} | ` +
        `${range(v.map((x) => x.decode), 2)} | ${range(v.map((x) => x.chromium), 2)} | ${range(v.map((x) => x.kbPerFrame), 1)} | ` +
        `${range(v.map((x) => x.delay), 0)}${bad ? ` (${bad} run(s) not pixel-exact)` : ''} |`);
    }
    const m = (k: Kind, f: (x: ReturnType<typeof get>) => number) => median(rows[k].map(f));
    const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}x` : '—');
    if (!kinds.includes('html5')) continue;
    for (const o of kinds.filter((k) => k !== 'html5')) {
      console.log(`  | ${n} | ${o === 'ours' ? 'ours' : 'ours (10 Mi)'} vs html5 | ${ratio(m(o, (x) => x.fps), m('html5', (x) => x.fps))} | ` +
        `${ratio(m('html5', (x) => x.cpu), m(o, (x) => x.cpu))} | ${ratio(m('html5', (x) => x.cpuStep), m(o, (x) => x.cpuStep))} | ${ratio(m('html5', (x) => x.js), m(o, (x) => x.js))} | ` +
        `${ratio(m('html5', (x) => x.decode), m(o, (x) => x.decode))} | ${ratio(m('html5', (x) => x.chromium), m(o, (x) => x.chromium))} | | |`);
    }
  }
}

/** The repository root (holds scripts/bundle-viewer.mjs): the working folder, or above this file. */
function repoRoot(): string | undefined {
  const here = fileURLToPath(new URL('.', import.meta.url));
  for (const d of [process.cwd(), resolve(here, '../..'), resolve(here, '..')]) {
    if (existsSync(join(d, 'scripts/bundle-viewer.mjs')) && existsSync(join(d, 'src/viewer/app.ts'))) return d;
  }
  return undefined;
}

export default async function benchViewerHtml5(): Promise<void> {
  const missing: string[] = [];
  if (!existsSync(CHROMIUM)) missing.push(CHROMIUM);
  if (!commandExists('Xspice')) missing.push('Xspice (usable; needs root)');
  if (!existsSync(join(HTML5_DIR, 'spice_auto.html'))) missing.push(HTML5_DIR);
  let pw: typeof import('playwright-core') | undefined;
  try { pw = await import('playwright-core'); } catch { missing.push('playwright-core (npm ci)'); }
  const root = repoRoot();
  if (!root) missing.push('the repository (run from its folder)');
  if (missing.length || !pw || !root) { console.log(`skipped: missing ${missing.join(', ')} (scripts/install-peers.sh)`); return; }

  const bundle = mkdtempSync(join(tmpdir(), 'spice-ts-bench-viewer-'));
  let http: Awaited<ReturnType<typeof serveStatic>> | undefined;
  let browser: Browser | undefined;
  try {
    const given = process.env.VIEWER_HTML5_BUNDLE;
    if (given) cpSync(given, bundle, { recursive: true });
    else {
      const b = spawnSync(process.execPath, [join(root, 'scripts/bundle-viewer.mjs'), '--outdir', bundle, '--quiet'], { encoding: 'utf8', cwd: root });
      if (b.status !== 0) { console.log(`skipped: bundling the viewer failed: ${b.stderr.trim()}`); return; }
    }
    for (const f of ['index.html', 'app.js', 'app.js.map', 'spice-viewer.js', 'spice-viewer.js.map']) {
      if (!existsSync(join(bundle, f))) { console.log(`skipped: the viewer bundle has no ${f}`); return; }
    }
    writeFileSync(join(bundle, 'bench.html'), OURS10_PAGE);
    http = await serveStatic({ '/ours/': bundle, '/html5/': HTML5_DIR });
    browser = await pw.chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    const env: Env = { browser, httpPort: http.port, classify: { ours: oursClassifier(bundle), ours10: oursClassifier(bundle), html5: html5Classifier } };
    const kinds = process.env.VIEWER_HTML5_CLIENTS ? KINDS.filter((k) => process.env.VIEWER_HTML5_CLIENTS!.split(',').includes(k)) : KINDS;
    const rounds = Number(process.env.VIEWER_HTML5_ROUNDS ?? 3);
    console.log(`Chromium ${browser.version()} headless; Xspice ${W}x${H}, image-compression quic, streaming off; ` +
      `${RATE} steps/s: ${PHASES.map(([n, s]) => `${n} ${s}`).join(', ')} steps; ${rounds} alternating round(s)${PROFILE ? '' : '; no CPU profile'}`);
    const res: Record<Kind, Map<string, PhaseResult>[]> = { ours: [], ours10: [], html5: [] };
    for (let r = 0; r < rounds; r++) {
      // Alternate the order, so a slow spell of the shared machine hits all.
      const order = r % 2 === 0 ? kinds : [...kinds].reverse();
      for (const kind of order) {
        try {
          const runs = await runOnce(kind, env);
          printRun(kind, runs);
          res[kind].push(runs);
        } catch (e) {
          console.log(`  ${NAME[kind]}: run failed: ${(e as Error).message}`);
        }
      }
    }
    const done = kinds.filter((k) => res[k].length > 0);
    if (done.length) summary(res, done);
  } finally {
    await browser?.close().catch(() => {});
    await http?.close();
    rmSync(bundle, { recursive: true, force: true });
  }
}

// Run directly: node dist/bench/viewer-html5.js
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await benchViewerHtml5();
