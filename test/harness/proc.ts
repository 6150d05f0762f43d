// Process hygiene for the interop harness.
//
// Every peer process is spawned detached (its own session and process group,
// pgid == pid), recorded in a registry, and stopped by PID: SIGTERM to its
// process group, then SIGKILL after a grace period. Whatever is still
// recorded when the test process exits (normally, or on SIGINT/SIGTERM/
// SIGHUP) is killed synchronously, and the temp folders are removed.
// Nothing is ever stopped by name.

import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync, readdirSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A process started by the harness. */
export interface PeerProcess {
  /** PID; also the process-group id (the process is spawned detached). */
  readonly pid: number;
  /** Short role name used in messages ("qemu", "xorg", "xclock", ...). */
  readonly role: string;
  /** Path of the file that receives the process's stdout and stderr. */
  readonly logFile: string;
  /** The node ChildProcess (stdio is redirected to logFile). */
  readonly child: ChildProcess;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  readonly exited: Promise<number | string>;
  /** Exit code or signal once exited, else undefined. */
  exitStatus(): number | string | undefined;
  /** Running and not a zombie (see isAlive). */
  alive(): boolean;
  /** SIGTERM to the process group, SIGKILL after graceMs; resolves when gone. */
  stop(graceMs?: number): Promise<void>;
  /** The last lines of logFile. */
  logTail(lines?: number): string;
}

export interface SpawnOptions {
  role: string;
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

const registry = new Set<PeerProcess>();
const tempDirs = new Set<string>();
let hooksInstalled = false;

/** Process state letter from /proc/PID/stat ('R', 'S', 'Z', ...), or undefined if gone. */
export function procState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm (field 2) is in parentheses and may contain spaces or ')': cut at the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}

/**
 * Running and not a zombie. A finished process whose parent has not reaped it
 * yet still answers `kill -0`, so look at its state in /proc instead.
 */
export function isAlive(pid: number): boolean {
  const st = procState(pid);
  return st !== undefined && st !== 'Z' && st !== 'X' && st !== 'x';
}

/** PIDs (not zombies) whose process group is pgid. */
export function groupMembers(pgid: number): number[] {
  const out: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // rest[0] = state, rest[1] = ppid, rest[2] = pgrp
      if (Number(rest[2]) === pgid && rest[0] !== 'Z' && rest[0] !== 'X') out.push(Number(e));
    } catch {
      /* raced with exit */
    }
  }
  return out;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Last `lines` lines of a text file ('' if unreadable). */
export function tailFile(file: string, lines = 30): string {
  try {
    const text = readFileSync(file, 'utf8');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

function signalGroup(p: { pid: number; exitStatus(): unknown }, sig: NodeJS.Signals): void {
  // Signal the group only while it can still be ours: the leader has not
  // exited yet, or some member of the group is still around (a PID is not
  // reused while a process group with that id exists).
  if (p.exitStatus() === undefined || groupMembers(p.pid).length > 0) {
    try {
      process.kill(-p.pid, sig);
    } catch {
      /* ESRCH: group gone */
    }
  }
  if (p.exitStatus() === undefined) {
    try {
      process.kill(p.pid, sig); // in case the program moved itself to another group
    } catch {
      /* gone */
    }
  }
}

function gone(p: PeerProcess): boolean {
  return !p.alive() && groupMembers(p.pid).length === 0;
}

/** Start `command` detached, stdout+stderr to opts.logFile, and record it. */
export function spawnPeer(command: string, args: string[], opts: SpawnOptions): PeerProcess {
  installExitHooks();
  const fd = openSync(opts.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(command, args, {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: opts.env ?? process.env,
      cwd: opts.cwd,
    });
  } finally {
    closeSync(fd);
  }
  let status: number | string | undefined;
  let spawnError: Error | undefined;
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      status = code ?? signal ?? 'unknown';
      resolve(status);
    });
    child.once('error', (err) => {
      spawnError = err;
      status = `spawn error: ${err.message}`;
      resolve(status);
    });
  });
  // A forgotten peer must not keep the test process alive; the exit hook kills it.
  child.unref();
  const pid = child.pid ?? -1;
  if (pid < 0 && status === undefined) {
    // spawn failed (ENOENT, EACCES); the 'error' event with the details comes later
    status = 'spawn failed';
    spawnError = new Error(`cannot run ${command}: not found or not executable (PATH=${(opts.env ?? process.env).PATH ?? ''})`);
  }
  const p: PeerProcess = {
    pid,
    role: opts.role,
    logFile: opts.logFile,
    child,
    exited,
    exitStatus: () => status,
    alive: () => pid > 0 && status === undefined && isAlive(pid),
    logTail: (lines = 30) => {
      const t = tailFile(opts.logFile, lines);
      return spawnError ? `${t}\n${spawnError.message}`.trim() : t;
    },
    async stop(graceMs = 5000) {
      if (pid <= 0) {
        registry.delete(p);
        return;
      }
      if (!gone(p)) {
        signalGroup(p, 'SIGTERM');
        const deadline = Date.now() + graceMs;
        while (!gone(p) && Date.now() < deadline) await sleep(50);
        if (!gone(p)) {
          signalGroup(p, 'SIGKILL');
          const d2 = Date.now() + 3000;
          while (!gone(p) && Date.now() < d2) await sleep(50);
        }
      }
      registry.delete(p);
    },
  };
  if (pid > 0) registry.add(p);
  return p;
}

/** Run a short command to completion (not detached); rejects with its output on failure. */
export function run(
  command: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string; maxBuffer?: number } = {},
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      {
        env: opts.env ?? process.env,
        timeout: opts.timeoutMs ?? 30_000,
        killSignal: 'SIGKILL',
        cwd: opts.cwd,
        maxBuffer: opts.maxBuffer ?? 64 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        if (err) {
          const e = new Error(
            `${command} ${args.join(' ')} failed: ${err.message}\n${String(stderr).trim().split('\n').slice(-20).join('\n')}`,
          );
          reject(e);
        } else resolve({ stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

/** A fresh folder under os.tmpdir(), removed at process exit unless removed earlier with removeTempDir. */
/** A temp folder (under `base`, default the OS temp dir), removed at exit if still there. */
export function makeTempDir(prefix: string, base = tmpdir()): string {
  installExitHooks();
  const dir = mkdtempSync(join(base, `spice-ts-${prefix}-`));
  tempDirs.add(dir);
  return dir;
}

export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

/**
 * Poll `check` every intervalMs until it returns true. Fails after timeoutMs,
 * or at once when `died()` returns a reason (the peer exited).
 */
export async function waitUntil(
  what: string,
  check: () => boolean | Promise<boolean>,
  opts: { timeoutMs?: number; intervalMs?: number; died?: () => string | undefined } = {},
): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
  for (;;) {
    if (await check()) return;
    const why = opts.died?.();
    if (why) throw new Error(`${what}: ${why}`);
    if (Date.now() > deadline) throw new Error(`${what}: timed out after ${opts.timeoutMs ?? 20_000} ms`);
    await sleep(opts.intervalMs ?? 50);
  }
}

/** Processes still recorded (started and not stopped). */
export function runningPeers(): PeerProcess[] {
  return [...registry];
}

/** Stop everything still recorded, newest first. */
export async function stopAll(): Promise<void> {
  for (const p of [...registry].reverse()) await p.stop();
}

function killAllSync(): void {
  const procs = [...registry].reverse();
  for (const p of procs) signalGroup(p, 'SIGTERM');
  const deadline = Date.now() + 2000;
  while (procs.some((p) => !gone(p)) && Date.now() < deadline) sleepSync(20);
  for (const p of procs) if (!gone(p)) signalGroup(p, 'SIGKILL');
  registry.clear();
  for (const d of tempDirs) {
    try {
      rmSync(d, { recursive: true, force: true });
    } catch {
      /* best effort */
    }
  }
  tempDirs.clear();
}

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', killAllSync);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      killAllSync();
      process.exit(128 + ({ SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const)[sig]);
    });
  }
}
