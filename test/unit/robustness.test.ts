/**
 * Hostile input end to end, and browser safety:
 * - Real display messages from the golden captures, mutated (bytes flipped,
 *   bodies cut), go through the decoder and the canvas: each either works
 *   or fails with a SpiceError — never another exception, never a hang.
 * - The code the browser shares (protocol, channel, codecs, canvas, client
 *   except its Node adapters) imports no Node module and touches no
 *   Node-only global.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { decodeMessage } from '../../src/protocol/messages.js';
import { isSpiceError } from '../../src/protocol/errors.js';
import { DisplayCanvas, ImageCache, PaletteCache } from '../../src/canvas/index.js';
import { defaultDecoders } from '../../src/codecs/index.js';
import { loadGolden } from '../helpers/golden.js';
import { rng } from '../helpers/sample.js';

const FIXTURES = ['xspice-remote-viewer', 'xspice-quic', 'xspice-glz', 'xspice-jpeg-zlib-glz', 'qemu-all-spicy'];

test('mutated real display messages give SpiceErrors or draw, nothing else', async () => {
  const random = rng(2026);
  let tried = 0, coded = 0, drawn = 0;
  for (const name of FIXTURES) {
    const s = loadGolden(name);
    const conn = s.connections.find((c) => c.def.name === 'display');
    if (!conn) continue;
    const canvas = new DisplayCanvas({
      imageCache: new ImageCache({ maxPixels: 1 << 24 }), paletteCache: new PaletteCache(),
      decoders: defaultDecoders({ glzMaxWaitMs: 20, maxPixels: 1 << 24 }), maxSurfacePixels: 1 << 24, maxImagePixels: 1 << 24,
    });
    // Set the surfaces up from the real stream first, so mutations reach the drawing code.
    for (const m of conn.server.slice(0, 8)) {
      try { await canvas.apply(decodeMessage(conn.def, 'server', m.type, m.body)); } catch { /* set-up messages may need state we skip */ }
    }
    const candidates = conn.server.filter((m) => m.body.length > 20);
    for (let i = 0; i < 150 && candidates.length; i++) {
      const m = candidates[Math.floor(random() * candidates.length)]!;
      const body = m.body.slice(0, random() < 0.3 ? Math.floor(random() * m.body.length) : m.body.length);
      for (let k = 0, n = 1 + Math.floor(random() * 4); k < n && body.length; k++) body[Math.floor(random() * body.length)] ^= 1 << Math.floor(random() * 8);
      tried++;
      try {
        const msg = decodeMessage(conn.def, 'server', m.type, body);
        await canvas.apply(msg);
        drawn++;
      } catch (e) {
        assert.ok(isSpiceError(e), `${name} type ${m.type}: not a SpiceError: ${(e as Error)?.stack ?? e}`);
        coded++;
      }
    }
  }
  assert.ok(tried > 500, `tried ${tried}`);
  assert.ok(coded > 0 && drawn > 0, `some mutations fail (${coded}) and some still draw (${drawn})`);
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : p.endsWith('.ts') ? [p] : [];
  });
}

test('browser-shared code imports no Node module and uses no Node-only global', () => {
  const nodeAdapters = /(^|\/)(node[^/]*|target-node)\.ts$|src\/transports\/node\.ts$|crypto\/node-ticket\.ts$/;
  const shared = ['protocol', 'channel', 'codecs', 'canvas', 'client'].flatMap((d) => filesUnder(join(process.cwd(), 'src', d)))
    .filter((f) => !nodeAdapters.test(f));
  assert.ok(shared.length > 40, `${shared.length} files checked`);
  const offenders: string[] = [];
  for (const f of shared) {
    const code = readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
    if (/from\s+['"](node:|fs|net|tls|crypto|zlib|path|os)['"/]/.test(code)) offenders.push(`${f}: imports a Node module`);
    if (/\bBuffer\.|\bprocess\.|\brequire\(/.test(code)) offenders.push(`${f}: uses Buffer/process/require`);
  }
  assert.deepEqual(offenders, []);
});
