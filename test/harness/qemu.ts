// QEMU (qemu-system-x86_64 7.2, Debian 12) as a SPICE server peer on 127.0.0.1.
//
// No disk, TCG, `-nic none` (without it iPXE runs DHCP and the screen keeps
// changing for 5-8 s); the screen shows SeaBIOS's "No bootable device." after
// about half a second. The human monitor (HMP) is on a unix socket in the
// peer's temp folder and is spoken directly with node:net.

import { createConnection } from 'node:net';
import { existsSync, openSync, readSync, closeSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnPeer, makeTempDir, removeTempDir, waitUntil, type PeerProcess } from './proc.js';
import { freePorts, portListening, portListeningBy } from './net.js';

export interface QemuOptions {
  /** SPICE password (passed as a `-object secret`, not on the -spice line); default: ticketing disabled. */
  password?: string;
  /** Also listen for TLS on a second port; x509Dir holds ca-cert.pem, server-cert.pem, server-key.pem. */
  tls?: { x509Dir: string };
  /** virtio-serial + spicevmc vdagent port (no guest agent ever answers). */
  agent?: boolean;
  /** -audiodev spice + ich9-intel-hda + hda-duplex: playback and record channels. */
  audio?: boolean;
  /** qemu-xhci + a usb-redir port: one usbredir channel. */
  usbredir?: boolean;
  /** spiceport org.spice-space.webdav.0: the webdav (port) channel. */
  webdav?: boolean;
  /** Listen on a UNIX socket (QemuPeer.unixPath) instead of a TCP port. */
  unix?: boolean;
  /** Extra `key=value` items appended to -spice, e.g. { 'image-compression': 'quic' }. */
  spiceOptions?: Record<string, string>;
  /** Plain port to use (default: a free one). */
  port?: number;
  /** TLS port to use with `tls` (default: a free one). */
  tlsPort?: number;
  /** Guest RAM in MB (default 128). */
  memoryMb?: number;
  /** Further raw QEMU arguments. */
  extraArgs?: string[];
  /** How long to wait for the port(s) to listen (default 20000 ms). */
  timeoutMs?: number;
}

export interface QemuPeer {
  readonly port: number;
  readonly tlsPort?: number;
  /** With `unix`: the SPICE socket path (port is then 0). */
  readonly unixPath?: string;
  readonly pid: number;
  readonly process: PeerProcess;
  /** The peer's temp folder (monitor socket, log); removed by stop(). */
  readonly dir: string;
  /** One human-monitor command; resolves with its output (echo and prompt removed). */
  hmp(command: string): Promise<string>;
  /** `screendump FILE` (PPM, P6), resolving once the file is completely written. */
  screendump(file: string): Promise<void>;
  stop(): Promise<void>;
}

export const QEMU_BINARY = 'qemu-system-x86_64';

const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

/** Send one HMP command over the monitor socket and return its answer lines. */
export function hmpCommand(socketPath: string, command: string, timeoutMs = 15_000): Promise<string> {
  if (/[\r\n]/.test(command)) return Promise.reject(new Error('hmp: one command, no newlines'));
  return new Promise((resolve, reject) => {
    const sock = createConnection(socketPath);
    let buf = '';
    let sent = false;
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`hmp '${command}': no prompt after ${timeoutMs} ms; got ${JSON.stringify(buf.slice(-500))}`));
    }, timeoutMs);
    const finish = (err: Error | null, out?: string) => {
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(out ?? '');
    };
    sock.setEncoding('utf8');
    sock.on('error', (e) => finish(new Error(`hmp '${command}': ${e.message}`)));
    sock.on('data', (d: string) => {
      buf += d;
      if (!sent) {
        // Banner "QEMU 7.2.x monitor - type 'help' ...\r\n(qemu) "
        if (buf.endsWith('(qemu) ')) {
          sent = true;
          buf = '';
          sock.write(command + '\n');
        }
        return;
      }
      // The reply: the echoed line (redrawn char by char with escapes) up to
      // the first CRLF, then the answer, then a new prompt.
      const nl = buf.indexOf('\r\n');
      if (nl < 0 || !buf.endsWith('(qemu) ')) return;
      const body = buf.slice(nl + 2, buf.length - '(qemu) '.length);
      finish(null, body.replace(ANSI, '').replace(/\r/g, '').replace(/\n+$/, ''));
    });
    sock.on('close', () => {
      if (sent) finish(new Error(`hmp '${command}': monitor closed; got ${JSON.stringify(buf.slice(-500))}`));
    });
  });
}

/** Size a complete binary PPM (P6) must have, from its header; undefined while the header is incomplete. */
export function ppmExpectedSize(file: string): number | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const head = Buffer.alloc(64);
    const n = readSync(fd, head, 0, head.length, 0);
    const m = /^P6\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(head.subarray(0, n).toString('latin1'));
    if (!m) return undefined;
    const bytesPerSample = Number(m[3]) > 255 ? 2 : 1;
    return m[0].length + Number(m[1]) * Number(m[2]) * 3 * bytesPerSample;
  } finally {
    closeSync(fd);
  }
}

function alreadyInUse(p: PeerProcess): boolean {
  return /Address already in use|binding socket .* failed|Failed to open SPICE sockets/i.test(p.logTail(20));
}

export async function startQemu(opts: QemuOptions = {}): Promise<QemuPeer> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await startQemuOnce(opts);
    } catch (e) {
      // A free port can be taken between freePorts() and QEMU's bind: retry with new ones.
      if (attempt < 2 && (e as { portRace?: boolean }).portRace && opts.port === undefined) continue;
      throw e;
    }
  }
}

async function startQemuOnce(opts: QemuOptions): Promise<QemuPeer> {
  const [p0, p1] = await freePorts(2);
  const port = opts.port ?? p0!;
  const tlsPort = opts.tls ? (opts.tlsPort ?? p1!) : undefined;
  for (const p of [port, tlsPort]) {
    if (p !== undefined && portListening(p)) {
      const e = new Error(`startQemu: port ${p} is already in use`);
      (e as { portRace?: boolean }).portRace = true;
      throw e;
    }
  }
  const dir = makeTempDir('qemu');
  const mon = join(dir, 'monitor.sock');
  const log = join(dir, 'qemu.log');

  const unixPath = opts.unix ? join(dir, 'spice.sock') : undefined;
  const spice = unixPath ? ['unix=on', `addr=${unixPath}`] : [`port=${port}`, 'addr=127.0.0.1'];
  const args = ['-accel', 'tcg', '-display', 'none', '-nic', 'none', '-vga', 'qxl'];
  args.push('-m', String(opts.memoryMb ?? 128), '-name', `spice-ts-peer-${port}`);
  args.push('-monitor', `unix:${mon},server=on,wait=off`);
  if (opts.password !== undefined) {
    // password= is deprecated in QEMU 7.2; give it as a secret object.
    args.push('-object', `secret,id=spicepw0,data=${opts.password}`);
    spice.push('password-secret=spicepw0');
  } else {
    spice.push('disable-ticketing=on');
  }
  if (opts.tls) {
    for (const f of ['ca-cert.pem', 'server-cert.pem', 'server-key.pem']) {
      if (!existsSync(join(opts.tls.x509Dir, f))) throw new Error(`startQemu: ${opts.tls.x509Dir}/${f} missing (see makePki)`);
    }
    spice.push(`tls-port=${tlsPort}`, `x509-dir=${opts.tls.x509Dir}`);
  }
  for (const [k, v] of Object.entries(opts.spiceOptions ?? {})) spice.push(`${k}=${v}`);
  args.push('-spice', spice.join(','));
  if (opts.agent || opts.webdav) args.push('-device', 'virtio-serial-pci');
  if (opts.agent) {
    args.push('-chardev', 'spicevmc,id=vdagent0,name=vdagent');
    args.push('-device', 'virtserialport,chardev=vdagent0,name=com.redhat.spice.0');
  }
  if (opts.audio) {
    args.push('-audiodev', 'spice,id=snd0', '-device', 'ich9-intel-hda', '-device', 'hda-duplex,audiodev=snd0');
  }
  if (opts.usbredir) {
    args.push('-device', 'qemu-xhci', '-chardev', 'spicevmc,id=usbredir0,name=usbredir');
    args.push('-device', 'usb-redir,chardev=usbredir0');
  }
  if (opts.webdav) {
    args.push('-chardev', 'spiceport,id=webdav0,name=org.spice-space.webdav.0');
    args.push('-device', 'virtserialport,chardev=webdav0,name=org.spice-space.webdav.0');
  }
  args.push(...(opts.extraArgs ?? []));

  const proc = spawnPeer(QEMU_BINARY, args, { role: 'qemu', logFile: log });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await proc.stop();
    removeTempDir(dir);
  };

  try {
    const died = () => {
      const s = proc.exitStatus();
      return s === undefined && proc.alive() ? undefined : `QEMU exited (${s ?? 'gone'})`;
    };
    const timeoutMs = opts.timeoutMs ?? 20_000;
    if (unixPath) await waitUntil(`QEMU SPICE socket ${unixPath}`, () => existsSync(unixPath), { timeoutMs, died });
    else await waitUntil(`QEMU SPICE port ${port}`, () => portListeningBy(port, proc.pid), { timeoutMs, died });
    if (tlsPort !== undefined) {
      await waitUntil(`QEMU SPICE TLS port ${tlsPort}`, () => portListeningBy(tlsPort, proc.pid), { timeoutMs, died });
    }
    await waitUntil('QEMU monitor socket', () => existsSync(mon), { timeoutMs: 5000, died });
    // The SPICE socket exists before the devices (QXL: the display channel) are
    // realized; once the monitor answers, the machine is set up.
    await hmpCommand(mon, 'info status', 10_000);
  } catch (e) {
    const tail = proc.logTail(30);
    const race = alreadyInUse(proc);
    await stop();
    const err = new Error(
      `startQemu failed: ${(e as Error).message}\n` +
        `command: ${QEMU_BINARY} ${args.join(' ')}\n--- qemu log (tail) ---\n${tail || '(empty)'}`,
    );
    (err as { portRace?: boolean }).portRace = race;
    throw err;
  }

  // One monitor connection at a time: serialize commands.
  let chain: Promise<unknown> = Promise.resolve();
  const hmp = (command: string): Promise<string> => {
    const next = chain.then(() => hmpCommand(mon, command));
    chain = next.catch(() => undefined);
    return next;
  };

  return {
    port: unixPath ? 0 : port,
    tlsPort,
    unixPath,
    pid: proc.pid,
    process: proc,
    dir,
    hmp,
    async screendump(file: string) {
      if (/\s/.test(file)) throw new Error(`screendump: HMP cannot take a path with spaces: ${file}`);
      const out = await hmp(`screendump ${file}`);
      if (out.trim()) throw new Error(`screendump ${file}: ${out.trim()}`);
      let last = -1;
      await waitUntil(
        `screendump ${file}`,
        () => {
          const want = ppmExpectedSize(file);
          if (want === undefined) return false;
          const size = statSync(file).size;
          const done = size === want && size === last;
          last = size;
          return done;
        },
        { timeoutMs: 10_000, intervalMs: 20 },
      );
    },
    stop,
  };
}

