// X servers for the interop harness: Xspice (an Xorg server whose video
// driver, spiceqxl, is a SPICE server) and Xvfb (a virtual display for GUI
// clients such as remote-viewer).
//
// Xspice notes (Debian 12: xserver-xspice 0.1.5, Xorg 21.1, spice-server 0.15.1):
// * Under Xorg 21 every spiceqxl option left unset reads as 0, so the packaged
//   /etc/X11/spiceqxl.xorg.conf and `Xspice --auto` crash. We write our own
//   config with the buffer sizes and NumHeads set explicitly.
// * We run /usr/lib/xorg/Xorg directly with the XSPICE_* variables the
//   /usr/bin/Xspice wrapper would set: one PID, clean exit on SIGTERM (the
//   wrapper has no address option and hangs on SIGTERM). XSPICE_ADDR binds
//   the SPICE socket to loopback.
// * Xorg accepts an absolute -config path only when run as root.
// * It starts in ~0.2 s at 1024x768 (`xrandr -s 800x600` resizes).

import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { spawnPeer, makeTempDir, removeTempDir, waitUntil, run, isAlive, tailFile, type PeerProcess } from './proc.js';
import { freePorts, portListening, portListeningBy } from './net.js';

export const XORG_BINARY = '/usr/lib/xorg/Xorg';
export const SPICEQXL_DRIVER = '/usr/lib/xorg/modules/drivers/spiceqxl_drv.so';

/** An X server started by the harness, with X clients tracked and stopped with it. */
export interface XDisplay {
  /** e.g. ':57' */
  readonly display: string;
  readonly pid: number;
  readonly process: PeerProcess;
  /** The peer's temp folder (config, logs); removed by stop(). */
  readonly dir: string;
  /** process.env with DISPLAY set to this display. */
  env(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  /** Start a long-running X client on this display (tracked; stopped by stop()). */
  run(cmd: string, args?: string[], env?: NodeJS.ProcessEnv): PeerProcess;
  /** Run a short X command to completion on this display (xsetroot, xdotool, import, ...). */
  exec(cmd: string, args?: string[], timeoutMs?: number): Promise<{ stdout: string; stderr: string }>;
  /** Stop the clients, then the server; remove the temp folder. */
  stop(): Promise<void>;
}

export interface XspiceOptions {
  /** SPICE password (XSPICE_PASSWORD); default: ticketing disabled. */
  password?: string;
  /** TLS on a second port; x509Dir holds ca-cert.pem, server-cert.pem, server-key.pem. */
  tls?: { x509Dir: string };
  /** spiceqxl driver options, e.g. { SpiceImageCompression: 'quic' }. */
  driverOptions?: Record<string, string>;
  /** Default true: xsetroot -solid steelblue, xclock (200x200+50+50), xeyes (200x150+300+80). */
  demo?: boolean;
  port?: number;
  tlsPort?: number;
  timeoutMs?: number;
}

export interface XspicePeer extends XDisplay {
  readonly port: number;
  readonly tlsPort?: number;
}

/** The root window colour the demo sets (xsetroot -solid steelblue). */
export const DEMO_ROOT_RGB = [70, 130, 180] as const;

/** The Xorg config template (one copy, shared with scripts/capture-golden.sh). */
const XSPICE_CONF_TEMPLATE = new URL('../../../test/harness/xspice.xorg.conf', import.meta.url);

/** The config text, with `options` (driver options such as SpiceImageCompression) placed first. */
export function xspiceConf(options: Record<string, string> = {}): string {
  const extra = Object.entries(options).map(([k, v]) => `    Option     "${k}" "${v}"`).join('\n');
  return readFileSync(XSPICE_CONF_TEMPLATE, 'utf8').replace(/^\s*# @EXTRA_OPTIONS@.*$/m, extra);
}

/** Display numbers with neither a lock file nor a socket, starting at a random point in [50, 450). */
export function* freeDisplays(): Generator<number> {
  const base = 50 + Math.floor(Math.random() * 400);
  for (let i = 0; i < 400; i++) {
    const n = 50 + ((base - 50 + i) % 400);
    if (!existsSync(`/tmp/.X${n}-lock`) && !existsSync(`/tmp/.X11-unix/X${n}`)) yield n;
  }
}

/** PID written in display n's lock file /tmp/.X<n>-lock, if any. */
export function displayLockOwner(n: number): number | undefined {
  try {
    const pid = parseInt(readFileSync(`/tmp/.X${n}-lock`, 'utf8').trim(), 10);
    return Number.isFinite(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Remove the lock file and socket of display n if the server that owned them is gone. */
export function cleanStaleDisplay(n: number): void {
  const lock = `/tmp/.X${n}-lock`;
  if (!existsSync(lock)) return;
  const pid = displayLockOwner(n);
  if (pid === undefined || !isAlive(pid)) {
    rmSync(lock, { force: true });
    rmSync(`/tmp/.X11-unix/X${n}`, { force: true });
  }
}

/** xdpyinfo succeeds on `display`. */
export async function displayAnswers(display: string): Promise<boolean> {
  const n = display.replace(/^:/, '').split('.')[0];
  if (!existsSync(`/tmp/.X11-unix/X${n}`)) return false;
  try {
    await run('xdpyinfo', [], { env: { ...process.env, DISPLAY: display }, timeoutMs: 5000 });
    return true;
  } catch {
    return false;
  }
}

interface XServerSpec {
  kind: string; // 'xspice' | 'xvfb'
  command: string;
  args: (display: string, dir: string) => string[];
  env?: NodeJS.ProcessEnv;
  /** extra readiness checks besides the display answering */
  ready?: (pid: number) => boolean;
  readyWhat?: string;
  timeoutMs?: number;
  /** extra log files to show in errors */
  logs?: (display: string, dir: string) => string[];
}

async function startXServer(spec: XServerSpec, dir: string): Promise<XDisplay> {
  const errors: string[] = [];
  for (const n of freeDisplays()) {
    const display = `:${n}`;
    const log = join(dir, `${spec.kind}-${n}.log`);
    const proc = spawnPeer(spec.command, spec.args(display, dir), {
      role: spec.kind,
      logFile: log,
      env: spec.env ?? process.env,
    });
    const died = () => (proc.alive() ? undefined : `${spec.kind} exited (${proc.exitStatus() ?? 'gone'})`);
    try {
      const timeoutMs = spec.timeoutMs ?? 20_000;
      // Our server holds the lock (not another one that raced us for n) and answers.
      const up = async () => displayLockOwner(n) === proc.pid && (await displayAnswers(display));
      await waitUntil(`${spec.kind} display ${display}`, up, { timeoutMs, died, intervalMs: 100 });
      const ready = spec.ready;
      if (ready) await waitUntil(`${spec.kind} ${spec.readyWhat ?? 'ready'}`, () => ready(proc.pid), { timeoutMs, died });
      return makeXDisplay(display, proc, dir);
    } catch (e) {
      const tail = proc.logTail(30);
      const extra = (spec.logs?.(display, dir) ?? [])
        .map((f) => `--- ${basename(f)} (tail) ---\n${tailFile(f) || '(empty)'}`)
        .join('\n');
      await proc.stop();
      cleanStaleDisplay(n);
      // Lost a race for the display number: try the next one.
      if (/already active|Cannot establish any listening sockets/i.test(tail) && errors.length < 3) {
        errors.push(`${display}: in use`);
        continue;
      }
      throw new Error(
        `${spec.kind} did not come up on ${display}: ${(e as Error).message}\n` +
          `command: ${spec.command} ${spec.args(display, dir).join(' ')}\n` +
          `--- ${basename(log)} (tail) ---\n${tail || '(empty)'}${extra ? '\n' + extra : ''}`,
      );
    }
  }
  throw new Error(`no free X display number (${errors.join('; ') || 'all of :50..:449 taken'})`);
}

function makeXDisplay(display: string, server: PeerProcess, dir: string): XDisplay {
  const clients: PeerProcess[] = [];
  let count = 0;
  let stopped = false;
  const env = (extra: NodeJS.ProcessEnv = {}) => ({ ...process.env, DISPLAY: display, ...extra });
  return {
    display,
    pid: server.pid,
    process: server,
    dir,
    env,
    run(cmd, args = [], extra = {}) {
      if (stopped) throw new Error(`run ${cmd}: display ${display} is stopped`);
      const p = spawnPeer(cmd, args, {
        role: basename(cmd),
        logFile: join(dir, `${basename(cmd)}-${++count}.log`),
        env: env(extra),
      });
      clients.push(p);
      return p;
    },
    exec(cmd, args = [], timeoutMs = 15_000) {
      return run(cmd, args, { env: env(), timeoutMs });
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const c of clients.reverse()) await c.stop(3000);
      await server.stop();
      cleanStaleDisplay(Number(display.slice(1)));
      removeTempDir(dir);
    },
  };
}

/** Start Xspice on a free display; resolves once the SPICE port(s) listen and xdpyinfo answers. */
export async function startXspice(opts: XspiceOptions = {}): Promise<XspicePeer> {
  const [p0, p1] = await freePorts(2);
  const port = opts.port ?? p0!;
  const tlsPort = opts.tls ? (opts.tlsPort ?? p1!) : undefined;
  if (opts.tls) {
    for (const f of ['ca-cert.pem', 'server-cert.pem', 'server-key.pem']) {
      if (!existsSync(join(opts.tls.x509Dir, f))) throw new Error(`startXspice: ${opts.tls.x509Dir}/${f} missing (see makePki)`);
    }
  }
  for (const p of [port, tlsPort]) {
    if (p !== undefined && portListening(p)) throw new Error(`startXspice: port ${p} is already in use`);
  }
  const dir = makeTempDir('xspice');
  const conf = join(dir, 'xspice.conf');
  writeFileSync(conf, xspiceConf(opts.driverOptions));
  const env: NodeJS.ProcessEnv = { ...process.env, XSPICE_ADDR: '127.0.0.1', XSPICE_PORT: String(port) };
  delete env.DISPLAY;
  if (opts.password !== undefined) env.XSPICE_PASSWORD = opts.password;
  else env.XSPICE_DISABLE_TICKETING = '1';
  if (opts.tls) {
    env.XSPICE_TLS_PORT = String(tlsPort);
    env.XSPICE_X509_DIR = opts.tls.x509Dir;
  }
  let x: XDisplay;
  try {
    x = await startXServer(
      {
        kind: 'xspice',
        command: XORG_BINARY,
        args: (display, d) => [
          '-config', conf, '-noreset', '-nolisten', 'tcp', '-novtswitch', '-sharevts',
          '-logfile', join(d, `xorg-${display.slice(1)}.log`), display,
        ],
        env,
        ready: (pid) => portListeningBy(port, pid) && (tlsPort === undefined || portListeningBy(tlsPort, pid)),
        readyWhat: `SPICE port ${port}${tlsPort !== undefined ? ` and TLS port ${tlsPort}` : ''}`,
        timeoutMs: opts.timeoutMs,
        logs: (display, d) => [join(d, `xorg-${display.slice(1)}.log`)],
      },
      dir,
    );
  } catch (e) {
    removeTempDir(dir);
    throw e;
  }
  try {
    if (opts.demo ?? true) {
      await x.exec('xsetroot', ['-solid', 'steelblue']);
      x.run('xclock', ['-update', '1', '-geometry', '200x200+50+50']);
      x.run('xeyes', ['-geometry', '200x150+300+80']);
    }
  } catch (e) {
    await x.stop();
    throw e;
  }
  return Object.assign(x, { port, tlsPort });
}

/**
 * Start Xvfb (default 1280x900x24) on a free display, for GUI clients. `fbdir`: keep the
 * framebuffer in a memory-mapped file (Xvfb -fbdir; the folder is in /dev/shm when there
 * is one, else the peer's temp folder), which the x11 source then reads instead of GetImage.
 */
export async function startXvfb(opts: { size?: string; timeoutMs?: number; fbdir?: boolean } = {}): Promise<XDisplay> {
  const dir = makeTempDir('xvfb');
  let fbDir: string | undefined;
  try {
    if (opts.fbdir) fbDir = existsSync('/dev/shm') ? makeTempDir('xvfb-fb', '/dev/shm') : join(dir, 'fb');
    if (fbDir) mkdirSync(fbDir, { recursive: true });
    const x = await startXServer(
      {
        kind: 'xvfb',
        command: 'Xvfb',
        args: (display) => [display, '-screen', '0', `${opts.size ?? '1280x900'}x24`, '-nolisten', 'tcp', '-noreset', ...(fbDir ? ['-fbdir', fbDir] : [])],
        timeoutMs: opts.timeoutMs,
      },
      dir,
    );
    if (!fbDir) return x;
    const fb = fbDir;
    return { ...x, stop: async () => { await x.stop(); removeTempDir(fb); } };
  } catch (e) {
    removeTempDir(dir);
    if (fbDir) removeTempDir(fbDir);
    throw e;
  }
}
