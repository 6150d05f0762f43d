// Packet capture of SPICE sessions on the loopback interface with tshark
// (Wireshark 4.0 in Debian 12), and decoding with its SPICE dissector.
//
// SPICE has no registered port: decoding needs `-d tcp.port==PORT,spice`.
// Dissector quirks (tshark 4.0.17):
// * SpiceRect fields are labelled left/top/right/bottom, but the wire order is
//   top/left/bottom/right (QXLRect): the labels are swapped.
// * When a client sends the 4-byte auth-mechanism word and the 128-byte RSA
//   ticket in one TCP segment, the dissector loses that connection (the rest
//   shows as "Client ticket"/data).
// * The first main-channel PING carries 256,000 bytes (the bandwidth test).
// * The client always sends a 128-byte RSA-encrypted ticket, even when the
//   server has no password.
//
// FIELD_NAMES below lists the `spice.*` fields seen in real captures.

import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { spawnPeer, run, waitUntil, sleep, makeTempDir, removeTempDir, type PeerProcess } from './proc.js';

export interface Capture {
  readonly file: string;
  readonly process: PeerProcess;
  /**
   * Wait until the file stops growing (settleMs unchanged, default 600 ms; at
   * most 5 s), then SIGINT, so tshark flushes and closes it; wait for exit.
   */
  stop(settleMs?: number): Promise<void>;
}

/** Capture TCP traffic to/from `ports` on lo into `file` (pcapng); resolves once tshark is capturing. */
export async function startCapture(ports: number[], file: string): Promise<Capture> {
  if (ports.length === 0) throw new Error('startCapture: no ports');
  const dir = makeTempDir('tshark');
  const log = join(dir, 'tshark.log');
  const filter = ports.map((p) => `tcp port ${p}`).join(' or ');
  const args = ['-i', 'lo', '-f', filter, '-w', file];
  const proc = spawnPeer('tshark', args, { role: 'tshark', logFile: log });
  const died = () => (proc.alive() ? undefined : `tshark exited (${proc.exitStatus() ?? 'gone'})`);
  try {
    await waitUntil('tshark', () => /Capturing on/.test(proc.logTail(10)), { timeoutMs: 20_000, died });
    // "Capturing on" is printed when dumpcap has opened the interface; give
    // it a moment so the very first packets are not missed.
    await sleep(300);
    // Without the right to capture, tshark prints "Capturing on" and then fails.
    if (died()) throw new Error(died());
  } catch (e) {
    const tail = proc.logTail(30);
    await proc.stop();
    removeTempDir(dir);
    throw new Error(`startCapture failed: ${(e as Error).message}\ncommand: tshark ${args.join(' ')}\n--- tshark log (tail) ---\n${tail}`);
  }
  let stopped = false;
  return {
    file,
    process: proc,
    async stop(settleMs = 600) {
      if (stopped) return;
      stopped = true;
      if (proc.alive()) {
        // dumpcap gets packets from the kernel in blocks that are handed over
        // when full or after a 250 ms timeout, and on SIGINT it drops what is
        // still pending: wait until the file has stopped growing (at most 5 s).
        let last = -1;
        let since = Date.now();
        const deadline = Date.now() + 5000;
        while (Date.now() < deadline && proc.alive()) {
          const size = existsSync(file) ? statSync(file).size : 0;
          if (size !== last) {
            last = size;
            since = Date.now();
          } else if (Date.now() - since >= settleMs) break;
          await sleep(50);
        }
        try {
          process.kill(proc.pid, 'SIGINT');
        } catch {
          /* gone */
        }
        const d2 = Date.now() + 10_000;
        while (proc.alive() && Date.now() < d2) await sleep(50);
      }
      await proc.stop(); // anything left (dumpcap) in its group
      removeTempDir(dir);
      if (!existsSync(file) || statSync(file).size === 0) {
        throw new Error(`startCapture: ${basename(file)} in ${dirname(file)} is missing or empty`);
      }
    },
  };
}

/**
 * Decode a capture with the SPICE dissector on `ports` and return tshark's
 * `-T json` packet array (with --no-duplicate-keys, so a field that occurs
 * several times in one tree becomes an array of values).
 *
 * By default only frames with SPICE PDUs are returned (`-Y spice`); give your
 * own `-Y FILTER` in extraArgs to change that (e.g. `-Y tls.handshake.type==1`).
 *
 * Each element looks like { _index, _type, _score, _source: { layers: { frame,
 * eth|sll, ip, tcp, spice: {...} } } }; the spice layer is a tree whose keys
 * are display labels (e.g. "Client link message", "Link header",
 * "SpiceDataHeader", "Channel type: MAIN", "SPICE_MSG_MAIN_INIT (103)") and
 * whose leaves are the fields in FIELD_NAMES. Use findFields() to collect
 * fields by name without caring about the tree shape.
 */
export async function decodeCapture(file: string, ports: number[], extraArgs: string[] = []): Promise<unknown[]> {
  const args = ['-r', file];
  for (const p of ports) args.push('-d', `tcp.port==${p},spice`);
  if (!extraArgs.includes('-Y') && !extraArgs.includes('-R')) args.push('-Y', 'spice');
  args.push(...extraArgs, '-T', 'json', '--no-duplicate-keys');
  const { stdout } = await run('tshark', args, { timeoutMs: 120_000, maxBuffer: 1024 * 1024 * 1024 });
  const text = stdout.trim();
  if (text === '') return [];
  return JSON.parse(text) as unknown[];
}

/** Every value of field `name` anywhere under `node` (in document order). */
export function findFields(node: unknown, name: string): unknown[] {
  const out: unknown[] = [];
  const walk = (n: unknown) => {
    if (Array.isArray(n)) {
      for (const x of n) walk(x);
    } else if (n !== null && typeof n === 'object') {
      for (const [k, v] of Object.entries(n)) {
        if (k === name) {
          if (Array.isArray(v)) out.push(...v);
          else out.push(v);
        }
        walk(v);
      }
    }
  };
  walk(node);
  return out;
}

export { FIELD_NAMES } from './spice-fields.js';
