/**
 * MJPEG frames (and JPEG images) in the browser: browserJpegDecoder goes through WebCodecs'
 * ImageDecoder when the page has it (the picture read back as BGRA, no canvas), and falls back
 * to createImageBitmap + OffscreenCanvas for what ImageDecoder does not decode. Stand-ins for
 * the browser APIs decode with spice-ts's own decoder; the frames are real MJPEG frames of the
 * xspice-stream-mjpeg capture.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMessage } from '../../src/protocol/messages.js';
import { ErrorCode, SpiceError } from '../../src/protocol/errors.js';
import { browserJpegDecoder } from '../../src/codecs/jpeg-browser.js';
import { createPureJpegDecoder, MJPEG_FRAME_OPTIONS } from '../../src/codecs/jpeg.js';
import type { DecodedImage } from '../../src/codecs/types.js';
import { loadGolden } from '../helpers/golden.js';

function mjpegFrames(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const c of loadGolden('xspice-stream-mjpeg').connections) {
    if (c.def.name !== 'display') continue;
    for (const m of c.server) {
      const msg = decodeMessage(c.def, 'server', m.type, m.body) as { name: string; body: { data: Uint8Array } };
      if (msg.name === 'stream_data' || msg.name === 'stream_data_sized') out.push(msg.body.data);
    }
  }
  return out;
}

test('browserJpegDecoder prefers ImageDecoder (BGRA readback) and falls back to the bitmap path', async () => {
  const frames = mjpegFrames();
  assert.ok(frames.length >= 20, `${frames.length} MJPEG frames in the capture`);
  const g = globalThis as Record<string, unknown>;
  const saved = { createImageBitmap: g.createImageBitmap, OffscreenCanvas: g.OffscreenCanvas, ImageDecoder: g.ImageDecoder };
  const used = { imageDecoder: 0, bitmap: 0, framesClosed: 0, decodersClosed: 0 };
  const pure = () => createPureJpegDecoder(MJPEG_FRAME_OPTIONS);
  g.ImageDecoder = class {
    static isTypeSupported(type: string) { return Promise.resolve(type === 'image/jpeg'); }
    constructor(private readonly init: { data: Uint8Array; type: string }) {}
    async decode() {
      if (this.init.data[100] === 0x5a) throw new Error('EncodingError'); // the "undecodable" frame below
      const img = pure().decode(this.init.data) as DecodedImage;
      used.imageDecoder++;
      return {
        image: {
          displayWidth: img.width, displayHeight: img.height,
          copyTo: (dest: Uint8Array, o: { format: string }) => {
            assert.equal(o.format, 'BGRA');
            dest.set(new Uint8Array(img.pixels.buffer, img.pixels.byteOffset, img.pixels.byteLength));
            return Promise.resolve([]);
          },
          close: () => { used.framesClosed++; },
        },
      };
    }
    close() { used.decodersClosed++; }
  };
  g.createImageBitmap = async (blob: Blob) => {
    used.bitmap++;
    const bytes = new Uint8Array(await blob.arrayBuffer());
    if (bytes[100] === 0x5a) throw new Error('broken'); // undecodable here too
    const img = pure().decode(bytes) as DecodedImage;
    return { width: img.width, height: img.height, img, close: () => {} };
  };
  g.OffscreenCanvas = class {
    drawn?: DecodedImage;
    constructor(public width: number, public height: number) {}
    getContext() {
      return {
        clearRect: () => {},
        drawImage: (b: { img: DecodedImage }) => { this.drawn = b.img; },
        getImageData: (_x: number, _y: number, w: number, h: number) => {
          const data = new Uint8ClampedArray(w * h * 4);
          for (let i = 0; i < w * h; i++) {
            const v = this.drawn!.pixels[i]!;
            data.set([(v >>> 16) & 255, (v >>> 8) & 255, v & 255, 255], i * 4);
          }
          return { data };
        },
      };
    }
  };
  try {
    const dec = browserJpegDecoder()!;
    for (const f of frames.slice(0, 5)) {
      const img = await dec.decode(f);
      assert.deepEqual(img.pixels, (pure().decode(f) as DecodedImage).pixels);
    }
    assert.deepEqual([used.imageDecoder, used.bitmap, used.framesClosed, used.decodersClosed], [5, 0, 5, 5], 'ImageDecoder did the work and was released');
    const broken = frames[0]!.slice();
    broken[100] = 0x5a;
    await assert.rejects(Promise.resolve().then(() => dec.decode(broken)), (e: unknown) => e instanceof SpiceError && e.code === ErrorCode.CORRUPT_IMAGE);
    assert.equal(used.bitmap, 1, 'what ImageDecoder refused went to the bitmap path');
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete g[k];
      else g[k] = v;
    }
  }
});
