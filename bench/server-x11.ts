/**
 * The server bench (issue 4): Xspice (Xorg + spice-server in one process)
 * against `spice-ts serve --source x11` on Xvfb, same size and depth, same
 * image-compression setting, both doing the same scripted X drawing and both
 * watched by the same client (spice-ts's client library in a child process,
 * bench/server-x11-watch.ts, behind a byte-counting proxy). Per phase and in
 * total: server->client bytes, server CPU (Xspice; Xvfb + serve and serve
 * alone), and the time from an X drawing to the watcher's picture showing it.
 * At the end of each run the watcher's picture is compared with the display's
 * root window.
 *
 * The drawing (bench/server-x11-workload.ts) is our own X11 client
 * (src/server/sources/x11/connection.ts) sending core requests (PutImage,
 * PolyFillRectangle, CopyArea) built from fixed seeds, so both X servers
 * receive byte-identical requests at the same pace (30 steps/s; each step
 * ends with a round trip). After a short unmeasured warm-up (10 steps of each
 * phase), the measured phases:
 *   typing  3 glyph cells (8x16 PutImage) and a text cursor (fill) per step
 *   photo   a 480x360 photo-like picture, panned 4 px per step (PutImage in bands)
 *   scroll  CopyArea of an 800x464 text area 16 px up + a new 800x16 line
 *   fills   two large solid rectangles per step
 * Every 10th step draws a latency marker (an 8x8 square of a colour used once)
 * in a strip at the bottom; an idle phase then draws 20 markers one at a time.
 *
 * Xspice runs with SpiceStreamingVideo "off": spice-ts serve has no video
 * streams, so both stay lossless and the pictures can be compared exactly.
 *
 * Environment: SERVER_X11_ROUNDS (default 2), SERVER_X11_SETTINGS (default
 * "auto_glz,quic"), SERVER_X11_PROF=DIR (serve writes a --cpu-prof there),
 * SERVER_X11_STREAMING=filter (Xspice's video streaming, default off),
 * SERVER_X11_NODE_FLAGS="--trace-deopt ..." (more node flags for serve; its output goes
 * to the log printed with SERVER_X11_VERBOSE),
 * SERVER_X11_WARMUP=N (warm-up steps per phase, default 10),
 * SERVER_X11_PASSES=N (default 1; the measured phases run N times in the same session, and
 * the first pass and the last are reported apart: the same work again, for a server that has
 * seen it),
 * SERVER_X11_FBDIR=0 (Xvfb without -fbdir: serve reads pixels with GetImage),
 * SERVER_X11_TIMES=1 (print the monotonic clock at phase boundaries, for perf),
 * SERVER_X11_PHASES=typing,scroll (a subset), SERVER_X11_ONLY=ours|xspice
 * (one server, e.g. to profile), SERVER_X11_VERBOSE=1 (what each server sent,
 * per phase, and serve's --stats).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync, readlinkSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { commandExists, startXspice, startXvfb, spawnPeer, waitUntil, sleep, freePort, portListeningBy, type XDisplay, type PeerProcess } from '../test/harness/peers.js';
import { Drawer, Workload, PHASES as ALL_PHASES, W, H, RATE, IDLE_MARKERS } from './server-x11-workload.js';

const only = process.env.SERVER_X11_PHASES?.split(',');
const PHASES = only ? ALL_PHASES.filter(([n]) => only.includes(n)) : ALL_PHASES;
type Kind = 'xspice' | 'ours';
interface Usage { bytes: number; xCpu: number; serveCpu: number; watcherCpu: number; wallMs: number; counts: Record<string, number> }
interface Pass {
  phases: Map<string, Usage>;
  total: Usage;
}
interface RunResult extends Pass {
  kind: Kind;
  setting: string;
  /** The last of several passes over the same work in the same session, when more than one ran. */
  warm?: Pass;
  latLoad: number[];
  latIdle: number[];
  missing: number;
  mismatch: string | undefined;
  serveStats?: string;
  /** The framebuffer file serve read pixels from (instead of GetImage), if any. */
  fbFile?: string;
}

/** The Xvfb framebuffer file process `pid` has open, if any (Linux /proc). */
function openFramebufferFile(pid: number): string | undefined {
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      const target = (() => { try { return readlinkSync(`/proc/${pid}/fd/${fd}`); } catch { return ''; } })();
      if (/\/Xvfb_screen\d+$/.test(target)) return target;
    }
  } catch { /* gone */ }
  return undefined;
}

// ---------------------------------------------------------------- the watcher (child process)

class Watcher {
  private readonly waiting = new Map<string, (m: any) => void>();
  private readonly seen = new Map<number, bigint>();
  private readonly seenWaiters = new Map<number, () => void>();
  error?: string;

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (m: any) => {
      if (m.ev === 'seen') {
        this.seen.set(m.id, BigInt(m.t));
        this.seenWaiters.get(m.id)?.();
        this.seenWaiters.delete(m.id);
        return;
      }
      if (m.ev === 'error') {
        this.error = m.message;
        for (const f of this.waiting.values()) f(m);
        this.waiting.clear();
        return;
      }
      const w = this.waiting.get(m.ev);
      this.waiting.delete(m.ev);
      w?.(m);
    });
  }

  static start(): Watcher {
    const env = { ...process.env };
    delete env.NODE_EXTRA_CA_CERTS;
    const child = fork(fileURLToPath(new URL('./server-x11-watch.js', import.meta.url)), [], { env, execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    return new Watcher(child);
  }

  private ask(msg: Record<string, unknown>, ev: string, timeoutMs = 30_000): Promise<any> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { this.waiting.delete(ev); reject(new Error(`watcher: no '${ev}' within ${timeoutMs} ms`)); }, timeoutMs);
      this.waiting.set(ev, (m) => { clearTimeout(timer); if (m.ev === 'error') reject(new Error(`watcher: ${m.message}`)); else resolve(m); });
      this.child.send(msg);
    });
  }

  connect(port: number): Promise<{ width: number; height: number }> {
    return this.ask({ cmd: 'connect', port }, 'ready');
  }

  stats(): Promise<{ down: number; up: number; lastDataAgoMs: number; cpuMs: number; counts: Record<string, number> }> {
    return this.ask({ cmd: 'stats' }, 'stats');
  }

  dump(file: string): Promise<{ width: number; height: number }> {
    return this.ask({ cmd: 'dump', file }, 'dumped');
  }

  expect(id: number, x: number, y: number, color: number): void {
    this.child.send({ cmd: 'expect', id, x, y, color });
  }

  seenAt(id: number): bigint | undefined {
    return this.seen.get(id);
  }

  waitSeen(id: number, timeoutMs: number): Promise<boolean> {
    if (this.seen.has(id)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => { this.seenWaiters.delete(id); resolve(false); }, timeoutMs);
      this.seenWaiters.set(id, () => { clearTimeout(timer); resolve(true); });
    });
  }

  /** Until no byte has come from the server for `gapMs` (at most `maxMs`). */
  async quiet(gapMs = 250, maxMs = 30_000): Promise<void> {
    const t0 = Date.now();
    for (;;) {
      const s = await this.stats();
      if (s.lastDataAgoMs >= gapMs || Date.now() - t0 > maxMs) return;
      await sleep(Math.max(20, gapMs - s.lastDataAgoMs));
    }
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const gone = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.send({ cmd: 'close' });
    const t = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await gone;
    clearTimeout(t);
  }
}

// ---------------------------------------------------------------- measuring

let clkTck = 100;
/** user+system ms of the whole process from /proc/PID/stat (clock ticks: 10 ms steps). */
function cpuTicksMs(pid: number): number {
  try {
    const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / clkTck; // utime + stime, all threads, dead ones too
  } catch {
    return NaN;
  }
}

/**
 * CPU ms of the process: the sum of its threads' run time in ns
 * (/proc/PID/task/T/schedstat), as the 10 ms ticks of /proc/PID/stat are too
 * coarse for Xspice's 10-40 ms a phase. A thread that ended is missing from
 * the sum; both servers keep theirs (the run compares the two sums at the end).
 */
function cpuMs(pid: number): number {
  try {
    let ns = 0;
    for (const t of readdirSync(`/proc/${pid}/task`)) {
      try { ns += Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8').split(' ')[0]); } catch { /* thread gone */ }
    }
    return ns > 0 ? ns / 1e6 : cpuTicksMs(pid);
  } catch {
    return cpuTicksMs(pid);
  }
}

const pct = (xs: number[], p: number) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

// ---------------------------------------------------------------- one run

function serveArgs(display: string, port: number, setting: string): { args: string[]; env: NodeJS.ProcessEnv } {
  const main = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
  const prof = process.env.SERVER_X11_PROF;
  if (prof) mkdirSync(prof, { recursive: true });
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  return {
    env,
    args: [
      ...(prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : []),
      ...(process.env.SERVER_X11_NODE_FLAGS?.split(/\s+/).filter(Boolean) ?? []),
      '--input-type=module', '-e',
      'const { main } = await import(process.argv[1]); process.exitCode = await main(process.argv.slice(2));',
      main, 'serve', '--source', 'x11', '--display', display, '--listen', `127.0.0.1:${port}`,
      '--disable-ticketing', '--image-compression', setting, '--no-websocket', '--stats', '-q',
    ],
  };
}

async function runOnce(kind: Kind, setting: string): Promise<RunResult> {
  let x: XDisplay | undefined;
  let serve: PeerProcess | undefined;
  let drawer: Drawer | undefined;
  let watcher: Watcher | undefined;
  try {
    let port: number;
    if (kind === 'xspice') {
      const streaming = process.env.SERVER_X11_STREAMING ?? 'off';
      const xs = await startXspice({ demo: false, driverOptions: { SpiceImageCompression: setting, SpiceStreamingVideo: streaming } });
      x = xs;
      port = xs.port;
    } else {
      // Xvfb keeps its framebuffer in a file (-fbdir, in /dev/shm) that serve reads instead of
      // GetImage, unless SERVER_X11_FBDIR=0.
      x = await startXvfb({ size: `${W}x${H}`, fbdir: process.env.SERVER_X11_FBDIR !== '0' });
      port = await freePort();
    }
    drawer = await Drawer.connect(x.display);
    if (drawer.c.screen.width !== W || drawer.c.screen.height !== H) throw new Error(`${kind}: screen is ${drawer.c.screen.width}x${drawer.c.screen.height}, not ${W}x${H}`);
    watcher = Watcher.start();
    const work = new Workload(drawer, watcher);
    await work.background();
    if (kind === 'ours') {
      const { args, env } = serveArgs(x.display, port, setting);
      const p = spawnPeer(process.execPath, args, { role: 'spice-ts-serve', logFile: join(x.dir, 'serve.log'), env });
      serve = p;
      await waitUntil('spice-ts serve listening', () => portListeningBy(port, p.pid), { timeoutMs: 20_000, died: () => (p.alive() ? undefined : `exited: ${p.logTail(20)}`) });
    }
    const fbFile = serve ? openFramebufferFile(serve.pid) : undefined;
    const size = await watcher.connect(port);
    if (size.width !== W || size.height !== H) throw new Error(`${kind}: the watcher got a ${size.width}x${size.height} surface`);
    await watcher.quiet(500);
    // Warm-up (not measured): a few steps of each phase, so JIT and caches are in a steady state on both.
    const warmSteps = Number(process.env.SERVER_X11_WARMUP ?? 10);
    for (const [name] of PHASES) await work.run(name, warmSteps, false);
    await watcher.quiet(500);

    const xPid = x.pid, sPid = serve?.pid;
    const snap = async () => {
      const s = await watcher!.stats();
      return { bytes: s.down, xCpu: cpuMs(xPid), serveCpu: sPid ? cpuMs(sPid) : 0, watcherCpu: s.cpuMs, t: performance.now(), counts: s.counts };
    };
    const diff = (a: Awaited<ReturnType<typeof snap>>, b: Awaited<ReturnType<typeof snap>>): Usage => ({
      bytes: b.bytes - a.bytes, xCpu: b.xCpu - a.xCpu, serveCpu: b.serveCpu - a.serveCpu, watcherCpu: b.watcherCpu - a.watcherCpu, wallMs: b.t - a.t,
      counts: Object.fromEntries(Object.entries(b.counts).map(([k, v]) => [k, v - (a.counts[k] ?? 0)]).filter(([, v]) => v !== 0)),
    });
    const ticks0 = [cpuTicksMs(xPid), sPid ? cpuTicksMs(sPid) : 0];
    // Monotonic clock (seconds) at each phase boundary, to line up with `perf record -k CLOCK_MONOTONIC`.
    const mark = (what: string) => { if (process.env.SERVER_X11_TIMES) console.log(`    ${what} at ${(Number(process.hrtime.bigint()) / 1e9).toFixed(3)}`); };
    // The same work again in the same session (SERVER_X11_PASSES): the first pass is what a
    // server does the first time it sees that kind of drawing, the last the same once it has.
    const passes: Pass[] = [];
    const nPasses = Math.max(1, Number(process.env.SERVER_X11_PASSES ?? 1));
    const start = await snap();
    let prev = start;
    let lost = 0;
    for (let pass = 0; pass < nPasses; pass++) {
      const phases = new Map<string, Usage>();
      const first = prev;
      for (const [name, steps] of PHASES) {
        mark(`pass ${pass + 1}: ${name} starts`);
        await work.run(name, steps, true);
        // The phase is over when its last marker has arrived and the server has gone quiet.
        const last = work.marker(false);
        await drawer.sync();
        await watcher.waitSeen(last, 30_000);
        await watcher.quiet(250);
        const now = await snap();
        phases.set(name, diff(prev, now));
        prev = now;
      }
      mark(`pass ${pass + 1}: idle markers start`);
      lost += await work.idleMarkers(IDLE_MARKERS);
      await watcher.quiet(250);
      const end = await snap();
      phases.set('idle markers', diff(prev, end));
      passes.push({ phases, total: diff(first, end) });
      prev = end;
    }
    mark('end');
    const { phases, total } = passes[0]!;
    const warm = passes.length > 1 ? passes[passes.length - 1] : undefined;
    const all = diff(start, prev);
    // Threads that ended would be missing from the run-time sums: compare with the 10 ms ticks.
    const ticks = [cpuTicksMs(xPid) - ticks0[0]!, sPid ? cpuTicksMs(sPid) - ticks0[1]! : 0];
    for (const [i, what, v] of [[0, 'X server', all.xCpu], [1, 'serve', all.serveCpu]] as const) {
      if (Math.abs(ticks[i]! - v) > 30 + 0.1 * v) console.log(`    note: ${what} CPU ${v.toFixed(0)} ms by thread run time, ${ticks[i]!.toFixed(0)} ms by ticks`);
    }

    const latLoad: number[] = [], latIdle: number[] = [];
    let missing = lost;
    for (const [id, s] of work.sent) {
      const t = watcher.seenAt(id);
      if (t === undefined) { if (!s.idle) missing++; continue; }
      (s.idle ? latIdle : latLoad).push(Number(t - s.t) / 1e6);
    }

    // Did every pixel arrive? The watcher's picture against the root window.
    const file = join(x.dir, 'watcher.raw');
    const dumped = await watcher.dump(file);
    const mine = dumped.width ? new Uint32Array(new Uint8Array(readFileSync(file)).buffer) : new Uint32Array(0);
    const root = await drawer.rootPixels();
    let bad = 0, first = -1;
    if (dumped.width === W && dumped.height === H) {
      for (let i = 0; i < root.length; i++) if (((mine[i]! ^ root[i]!) & 0xffffff) !== 0) { bad++; if (first < 0) first = i; }
    }
    const mismatch = dumped.width !== W || dumped.height !== H ? `the watcher's picture is ${dumped.width}x${dumped.height}` : bad ? `${bad} pixels differ, first at (${first % W},${Math.floor(first / W)}): watcher #${(mine[first]! & 0xffffff).toString(16).padStart(6, '0')}, root #${root[first]!.toString(16).padStart(6, '0')}` : undefined;

    let serveStats: string | undefined;
    await watcher.close();
    watcher = undefined;
    if (serve) {
      await serve.stop();
      serveStats = readFileSync(serve.logFile, 'utf8').trim();
      serve = undefined;
    }
    return { kind, setting, phases, total, warm, latLoad, latIdle, missing, mismatch, serveStats, fbFile };
  } finally {
    await watcher?.close().catch(() => {});
    drawer?.close();
    await serve?.stop();
    await x?.stop();
  }
}

// ---------------------------------------------------------------- report

const kb = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
const ms = (n: number) => `${n.toFixed(0)}`;
const range = (xs: number[], f: (n: number) => string) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (!s.length) return '—';
  return s[0] === s[s.length - 1] || s.length === 1 ? f(s[0]!) : `${f(s[0]!)}-${f(s[s.length - 1]!)}`;
};

function printRun(r: RunResult): void {
  const who = r.kind === 'xspice' ? 'Xspice' : 'spice-ts serve';
  console.log(`  ${who} (${r.setting})${r.kind === 'ours' ? (r.fbFile ? ', pixels read from Xvfb\'s framebuffer file' : ', pixels read with GetImage') : ''}:`);
  for (const [label, pass] of [[r.warm ? 'first pass' : '', r], ['last pass', r.warm]] as const) {
    if (!pass) continue;
    if (label) console.log(`   ${label}:`);
    for (const [name, u] of pass.phases) {
      const cpu = r.kind === 'xspice' ? `Xspice ${ms(u.xCpu)} ms` : `serve ${ms(u.serveCpu)} ms + Xvfb ${ms(u.xCpu)} ms`;
      console.log(`    ${name.padEnd(13)} ${kb(u.bytes).padStart(10)}  ${cpu}  (watcher ${ms(u.watcherCpu)} ms, ${ms(u.wallMs)} ms wall)`);
      if (process.env.SERVER_X11_VERBOSE) console.log(`${' '.repeat(18)}${u.bytes} bytes: ${Object.entries(u.counts).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    }
  }
  console.log(`    latency under load: median ${pct(r.latLoad, 50).toFixed(1)} ms, p95 ${pct(r.latLoad, 95).toFixed(1)} ms (${r.latLoad.length}); ` +
    `idle: median ${pct(r.latIdle, 50).toFixed(1)} ms, p95 ${pct(r.latIdle, 95).toFixed(1)} ms (${r.latIdle.length})${r.missing ? `; ${r.missing} markers never shown` : ''}`);
  if (r.mismatch) console.log(`    PICTURE DIFFERS from the root window: ${r.mismatch}`);
}

function summary(setting: string, xs: RunResult[], os: RunResult[]): void {
  table(`${setting}, first pass`, xs, os);
  const xw = xs.map((r) => r.warm), ow = os.map((r) => r.warm);
  if (xw.every(Boolean) && ow.every(Boolean)) table(`${setting}, last pass (the same work again)`, xw as Pass[], ow as Pass[]);
  const lat = (rs: RunResult[], k: 'latLoad' | 'latIdle', p: number) => range(rs.map((r) => pct(r[k], p)), (v) => v.toFixed(1));
  console.log(`  latency ms (median / p95, all passes): Xspice under load ${lat(xs, 'latLoad', 50)} / ${lat(xs, 'latLoad', 95)}, idle ${lat(xs, 'latIdle', 50)} / ${lat(xs, 'latIdle', 95)};` +
    ` ours under load ${lat(os, 'latLoad', 50)} / ${lat(os, 'latLoad', 95)}, idle ${lat(os, 'latIdle', 50)} / ${lat(os, 'latIdle', 95)}`);
}

function table(title: string, xs: Pass[], os: Pass[]): void {
  console.log(`\n  ${title}: ranges over ${xs.length} round(s)`);
  console.log(`  | phase | Xspice bytes | ours bytes | bytes ours/Xspice | Xspice CPU ms | serve CPU ms | Xvfb CPU ms | CPU (serve+Xvfb)/Xspice | serve/Xspice |`);
  console.log('  |---|---|---|---|---|---|---|---|---|');
  const names = [...xs[0]!.phases.keys(), 'total'];
  const get = (r: Pass, n: string) => (n === 'total' ? r.total : r.phases.get(n)!);
  for (const n of names) {
    const rb: number[] = [], rc: number[] = [], rs: number[] = [];
    for (let i = 0; i < Math.min(xs.length, os.length); i++) {
      const a = get(xs[i]!, n), b = get(os[i]!, n);
      rb.push(b.bytes / a.bytes);
      rc.push((b.serveCpu + b.xCpu) / a.xCpu);
      rs.push(b.serveCpu / a.xCpu);
    }
    const f2 = (v: number) => v.toFixed(2);
    console.log(`  | ${n} | ${range(xs.map((r) => get(r, n).bytes), kb)} | ${range(os.map((r) => get(r, n).bytes), kb)} | ${range(rb, f2)} | ` +
      `${range(xs.map((r) => get(r, n).xCpu), ms)} | ${range(os.map((r) => get(r, n).serveCpu), ms)} | ${range(os.map((r) => get(r, n).xCpu), ms)} | ${range(rc, f2)} | ${range(rs, f2)} |`);
  }
}

export default async function benchServerX11(): Promise<void> {
  for (const need of ['Xspice', 'Xvfb'] as const) {
    if (!commandExists(need)) { console.log(`skipped: ${need} is not usable here (scripts/install-peers.sh; Xspice needs root)`); return; }
  }
  try { clkTck = Number((await import('node:child_process')).execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100; } catch { /* 100 */ }
  const rounds = Number(process.env.SERVER_X11_ROUNDS ?? 2);
  const settings = (process.env.SERVER_X11_SETTINGS ?? 'auto_glz,quic').split(',');
  console.log(`${W}x${H}x24, ${RATE} steps/s: ${PHASES.map(([n, s]) => `${n} ${s}`).join(', ')} steps; Xspice streaming video ${process.env.SERVER_X11_STREAMING ?? 'off'}; ${rounds} alternating round(s)`);
  console.log('bytes: server->client, all channels; CPU: user+system of the server process(es) over the phase');
  for (const setting of settings) {
    const xs: RunResult[] = [], os: RunResult[] = [];
    for (let r = 0; r < rounds; r++) {
      // Alternate which goes first, so a slow spell of the machine hits both.
      const order: Kind[] = r % 2 === 0 ? ['xspice', 'ours'] : ['ours', 'xspice'];
      for (const kind of order) {
        if (process.env.SERVER_X11_ONLY && process.env.SERVER_X11_ONLY !== kind) continue;
        const res = await runOnce(kind, setting);
        printRun(res);
        if (res.serveStats && r === 0 && process.env.SERVER_X11_VERBOSE) console.log(res.serveStats.replace(/^/gm, '      '));
        (kind === 'xspice' ? xs : os).push(res);
      }
    }
    if (xs.length && os.length) summary(setting, xs, os);
  }
}

// Run directly: node dist/bench/server-x11.js
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await benchServerX11();
