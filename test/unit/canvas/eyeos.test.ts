/**
 * Conformance: every eyeos display vector (a captured display message, the
 * canvas before and the canvas after) drawn by DisplayCanvas must give the
 * expected picture exactly (RGB of every pixel; alpha is not compared as the
 * canvas keeps the reference's X byte and the pictures are opaque).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeMessage } from '../../../src/protocol/messages.js';
import { channels } from '../../../src/protocol/schema/channels.js';
import { isSpiceError, ErrorCode } from '../../../src/protocol/errors.js';
import { DisplayCanvas, SURFACE_FMT } from '../../../src/canvas/index.js';
import { pngFromDataUrl } from '../../helpers/png-decode.js';
import { loadDecoders } from '../../helpers/canvas-decoders.js';

const dir = process.env.SPICE_EYEOS_VECTORS ?? join(process.cwd(), '..', 'shared', 'vectors', 'eyeos-display');
const required = process.env.SPICE_INTEROP === 'required';

interface Vector { name: string; object: string; origin: string; expected: string }

test('eyeos display vectors render exactly', async (t) => {
  if (!existsSync(dir)) {
    if (required) assert.fail(`eyeos vectors missing at ${dir}`);
    t.skip(`no eyeos vectors at ${dir} (set SPICE_EYEOS_VECTORS)`);
    return;
  }
  const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  assert.ok(files.length > 0, 'no vectors in the folder');
  const { decoders, missing } = await loadDecoders();
  let changed = 0; // pixels the vectors change: proves the comparison can fail
  for (const f of files) {
    await t.test(f, async (st) => {
      const v = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Vector;
      const o = JSON.parse(v.object) as { header: { type: number; size: number }; body: { q: Record<string, number> } };
      const body = Uint8Array.from({ length: o.header.size }, (_, i) => o.body.q[String(i)] ?? 0);
      const msg = decodeMessage(channels.display, 'server', o.header.type, body);
      const origin = pngFromDataUrl(v.origin), expected = pngFromDataUrl(v.expected);
      assert.equal(origin.width, expected.width);
      assert.equal(origin.height, expected.height);
      for (let i = 0; i < origin.rgba.length; i++) if (origin.rgba[i] !== expected.rgba[i] && (i & 3) !== 3) { changed++; }
      const sid = (msg.body as { base: { surface_id: number } }).base.surface_id;
      const canvas = new DisplayCanvas({ decoders });
      canvas.apply({ name: 'surface_create', body: { surface_id: sid, width: origin.width, height: origin.height, format: SURFACE_FMT.XRGB, flags: 1 } });
      const surf = canvas.surface(sid);
      for (let i = 0, n = origin.width * origin.height; i < n; i++) {
        const p = i * 4;
        surf.pixels[i] = ((0xff << 24) | (origin.rgba[p]! << 16) | (origin.rgba[p + 1]! << 8) | origin.rgba[p + 2]!) >>> 0;
      }
      try {
        await canvas.apply(msg);
      } catch (e) {
        // Only a codec or rasterizer that another part of the project has not delivered yet may skip.
        if (isSpiceError(e) && e.code === ErrorCode.UNSUPPORTED && !required) {
          st.skip(`${e.message}${Object.keys(missing).length ? ` (codecs missing: ${Object.keys(missing).join(', ')})` : ''}`);
          return;
        }
        throw e;
      }
      const out = surf.opaqueCopy();
      let bad = 0, first = -1;
      for (let i = 0; i < out.length; i++) {
        const p = i * 4, px = out[i]!;
        if (((px >>> 16) & 255) !== expected.rgba[p] || ((px >>> 8) & 255) !== expected.rgba[p + 1] || (px & 255) !== expected.rgba[p + 2]) {
          if (first < 0) first = i;
          bad++;
        }
      }
      const at = first < 0 ? '' : ` first at (${first % origin.width},${Math.floor(first / origin.width)}): got ${(out[first]! & 0xffffff).toString(16)}, want ${
        ((expected.rgba[first * 4]! << 16) | (expected.rgba[first * 4 + 1]! << 8) | expected.rgba[first * 4 + 2]!).toString(16)}`;
      assert.equal(bad, 0, `${f}: ${bad} pixels differ${at}`);
    });
  }
  assert.ok(changed > 0, 'no vector changes any pixel');
});
