/**
 * The watcher of the server bench (bench/server-x11.ts), run as a child
 * process so its decoding competes with neither server inside the bench
 * process: a byte-counting TCP proxy in front of the SPICE server under test,
 * and spice-ts's client library connected through it (default options, so it
 * advertises what it always does). It keeps the picture, tells the parent
 * when a marker colour shows at a given place (with the time, on the
 * system-wide monotonic clock that process.hrtime reads in both processes),
 * and writes the picture to a file on request.
 *
 * Parent -> child: { cmd: 'connect', port } | { cmd: 'expect', id, x, y, color }
 *   | { cmd: 'stats' } | { cmd: 'dump', file } | { cmd: 'close' }
 * Child -> parent: { ev: 'ready', width, height } | { ev: 'seen', id, t }
 *   | { ev: 'stats', down, up, lastDataAgoMs, cpuMs, counts } | { ev: 'dumped', width, height }
 * (`counts`: display messages drawn so far by name, and draw_copy by image type.)
 *   | { ev: 'error', message }
 */
import net from 'node:net';
import { writeFileSync } from 'node:fs';
import { connect, type SpiceSession } from '../src/client/node.js';
import { ImageType, enumName } from '../src/protocol/enums/index.js';

type Cmd =
  | { cmd: 'connect'; port: number }
  | { cmd: 'expect'; id: number; x: number; y: number; color: number }
  | { cmd: 'stats' }
  | { cmd: 'dump'; file: string }
  | { cmd: 'close' };

const send = (m: Record<string, unknown>) => process.send!(m);

let down = 0; // server -> client bytes, all connections
let up = 0;
let lastData = process.hrtime.bigint();
let session: SpiceSession | undefined;
let proxy: net.Server | undefined;
const sockets = new Set<net.Socket>();
const counts: Record<string, number> = {};
const expected = new Map<number, { x: number; y: number; color: number }>();

function startProxy(target: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer((client) => {
      const server = net.connect({ host: '127.0.0.1', port: target });
      sockets.add(client).add(server);
      client.setNoDelay(true);
      server.setNoDelay(true);
      server.on('data', (d) => { down += d.length; lastData = process.hrtime.bigint(); client.write(d); });
      client.on('data', (d) => { up += d.length; server.write(d); });
      const end = () => { client.destroy(); server.destroy(); sockets.delete(client); sockets.delete(server); };
      server.on('close', end).on('error', end);
      client.on('close', end).on('error', end);
    });
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => resolve((srv.address() as net.AddressInfo).port));
    proxy = srv;
  });
}

function check(): void {
  if (!session || expected.size === 0) return;
  const s = session.primary();
  if (!s) return;
  const t = process.hrtime.bigint();
  for (const [id, m] of expected) {
    if (m.x >= s.width || m.y >= s.height) continue;
    if (((s.pixels[m.y * s.width + m.x]! ^ m.color) & 0xffffff) === 0) {
      expected.delete(id);
      send({ ev: 'seen', id, t: t.toString() });
    }
  }
}

async function onConnect(port: number): Promise<void> {
  const p = await startProxy(port);
  const s = await connect(`spice://127.0.0.1:${p}`, { timeoutMs: 20_000 });
  session = s;
  // Tally what each server sends: draw messages by name, images by type.
  const canvas = s.displays.get(0)?.canvas;
  if (canvas) {
    const apply = canvas.apply.bind(canvas);
    canvas.apply = (msg) => {
      let key: string = msg.name;
      const img = (msg.body as { data?: { src_bitmap?: { descriptor?: { type?: number } } } }).data?.src_bitmap;
      if (img?.descriptor?.type !== undefined) key += `:${enumName(ImageType, img.descriptor.type)}`;
      counts[key] = (counts[key] ?? 0) + 1;
      return apply(msg);
    };
  }
  s.on('invalidate', (e) => {
    if (expected.size === 0) return;
    for (const m of expected.values()) {
      if (m.x >= e.rect.left && m.x < e.rect.right && m.y >= e.rect.top && m.y < e.rect.bottom) { check(); return; }
    }
  });
  s.on('disconnected', ({ error }) => send({ ev: 'error', message: `disconnected${error ? `: ${error.message}` : ''}` }));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no DISPLAY_MARK within 20 s')), 20_000);
    const done = () => { clearTimeout(timer); resolve(); };
    if (s.displays.get(0)?.marked) done();
    else s.on('mark', done);
  });
  const surf = s.primary();
  send({ ev: 'ready', width: surf?.width ?? 0, height: surf?.height ?? 0 });
}

process.on('message', (m: Cmd) => {
  switch (m.cmd) {
    case 'connect':
      onConnect(m.port).catch((e: Error) => send({ ev: 'error', message: e.message }));
      break;
    case 'expect':
      expected.set(m.id, { x: m.x, y: m.y, color: m.color });
      check();
      break;
    case 'stats': {
      const c = process.cpuUsage();
      send({ ev: 'stats', down, up, lastDataAgoMs: Number(process.hrtime.bigint() - lastData) / 1e6, cpuMs: (c.user + c.system) / 1000, counts: { ...counts } });
      break;
    }
    case 'dump': {
      const s = session?.primary();
      if (s) writeFileSync(m.file, new Uint8Array(s.pixels.buffer, s.pixels.byteOffset, s.pixels.byteLength));
      send({ ev: 'dumped', width: s?.width ?? 0, height: s?.height ?? 0 });
      break;
    }
    case 'close':
      void (async () => {
        try { await session?.disconnect(); } catch { /* closing anyway */ }
        for (const so of sockets) so.destroy();
        proxy?.close();
        process.exit(0);
      })();
      break;
  }
});
process.on('disconnect', () => process.exit(0));
