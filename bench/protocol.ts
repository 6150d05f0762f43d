/**
 * Protocol-core bench (run by bench/run.ts): throughput on a captured real session
 * (test/fixtures/golden/xspice-remote-viewer.json.gz, display channel of
 * Xspice with remote-viewer: DRAW_FILL, DRAW_COPY, COPY_BITS, ...).
 *
 * Reports messages/s and MB/s for framing + decoding, and for re-encoding,
 * next to a plain memcpy of the same bytes so the figures read without
 * knowing the machine.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { decodeLinkHeader, LINK_HEADER_SIZE } from '../src/protocol/link/messages.js';
import { channels } from '../src/protocol/schema/channels.js';
import { decodeMessage, encodeMessageInto } from '../src/protocol/messages.js';
import { ByteQueue, Framer } from '../src/protocol/wire/framing.js';
import { ByteWriter } from '../src/protocol/wire/bytes.js';

export default async function benchProtocol(): Promise<void> {
  interface Fixture { connections: { clientToServer: string; serverToClient: string }[] }

  const fx = JSON.parse(gunzipSync(readFileSync(join(process.cwd(), 'test/fixtures/golden/xspice-remote-viewer.json.gz'))).toString()) as Fixture;
  // the display connection: the longest server stream
  const conn = fx.connections.reduce((a, c) => (c.serverToClient.length > a.serverToClient.length ? c : a));
  const s2c = new Uint8Array(Buffer.from(conn.serverToClient, 'base64'));
  const h = decodeLinkHeader(s2c);
  const start = LINK_HEADER_SIZE + h.size + 4;
  // keep whole messages only
  const frames: { type: number; body: Uint8Array }[] = [];
  {
    const q = new ByteQueue();
    q.push(s2c.subarray(start));
    const f = new Framer({ mini: true, maxMessageSize: 1 << 26 });
    for (let x = f.next(q); x; x = f.next(q)) frames.push({ type: x.type, body: x.body });
  }
  const bytes = frames.reduce((n, f) => n + 6 + f.body.length, 0);
  const stream = s2c.subarray(start, start + bytes);
  const display = channels.display;

  function time(label: string, iterations: number, fn: () => void): number {
    fn(); // warm up
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) fn();
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    const mbs = (bytes * iterations) / s / 1e6;
    const msgs = (frames.length * iterations) / s;
    console.log(`${label.padEnd(28)} ${mbs.toFixed(1).padStart(9)} MB/s ${(msgs / 1e3).toFixed(0).padStart(7)} k msg/s`);
    return mbs;
  }

  console.log(`corpus: ${frames.length} display messages, ${(bytes / 1e6).toFixed(2)} MB (Xspice + remote-viewer capture)\n`);
  const copy = new Uint8Array(bytes);
  const memcpy = time('memcpy (reference floor)', 2000, () => copy.set(stream));
  const frameOnly = time('framing only', 200, () => {
    const q = new ByteQueue();
    q.push(stream);
    const f = new Framer({ mini: true, maxMessageSize: 1 << 26 });
    while (f.next(q));
  });
  const dec = time('framing + decode', 50, () => {
    const q = new ByteQueue();
    q.push(stream);
    const f = new Framer({ mini: true, maxMessageSize: 1 << 26 });
    for (let x = f.next(q); x; x = f.next(q)) decodeMessage(display, 'server', x.type, x.body);
  });
  const decoded = frames.map((f) => decodeMessage(display, 'server', f.type, f.body));
  const w = new ByteWriter(1 << 16);
  const enc = time('encode', 50, () => {
    for (const m of decoded) { w.reset(); encodeMessageInto(display, 'server', m, w); }
  });
  console.log(`\nratios to memcpy: framing 1/${(memcpy / frameOnly).toFixed(0)}, decode 1/${(memcpy / dec).toFixed(0)}, encode 1/${(memcpy / enc).toFixed(0)}`);

}
