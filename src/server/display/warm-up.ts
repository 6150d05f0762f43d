/**
 * Runs the display pipeline's pixel loops on a small made-up picture when a server
 * starts: finding solid parts, every codec of the image-compression setting, the pixmap
 * cache hash, the damage list and the hot message writers. V8 then compiles them (with
 * type feedback from the branches a session takes) before the first viewer's updates
 * rather than during them, when a half-compiled encoder costs several times its
 * optimized speed and recompiling after a deoptimization competes for the CPU.
 * Once per process: the compiled code is shared by every server and viewer.
 */
import { ChannelType, ImageScaleMode, Ropd, BrushType, ClipType } from '../../protocol/enums/index.js';
import { channelByType } from '../../protocol/schema/channels.js';
import { encodeMessageInto } from '../../protocol/messages.js';
import { ByteWriter } from '../../protocol/wire/bytes.js';
import { registerDisplayFastPaths } from '../../protocol/wire/display-fast-path.js';
import { GlzEncoder } from '../../codecs/encode/glz-encode.js';
import type { SourceFrame } from '../source.js';
import { Damage, type Box } from './damage.js';
import { encodeRect, newImageId, type CompressionName } from './image-encoder.js';
import { PixmapCacheModel } from './image-cache.js';
import { SolidSplitter } from './solid-split.js';
import { DisplayStats } from './stats.js';

let done = false;
/**
 * What the warm-up ran on stays referenced: compiled code may hold weak references to
 * such objects (call targets, maps), and their collection would throw that code away.
 */
const kept: unknown[] = [];

const W = 320, H = 192;

const frames = new Map<number, Uint32Array>();

/**
 * Text cells, a smooth noisy picture, flat fills: what desktops are made of (a fresh copy;
 * each seed is drawn once).
 */
export function warmUpFrame(seed = 1): SourceFrame {
  let px = frames.get(seed);
  if (!px) frames.set(seed, px = drawFrame(seed));
  return { width: W, height: H, pixels: px.slice(), stride: W };
}

function drawFrame(seed: number): Uint32Array {
  let s = seed >>> 0;
  const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 8) / (1 << 24);
  const px = new Uint32Array(W * H).fill(0x202830);
  // text: 8x16 cells on a dark background, rows 0..63, columns 0..255
  for (let cy = 0; cy < 4; cy++) for (let cx = 0; cx < 32; cx++) {
    if (rnd() < 0.2) continue;
    for (let y = 3; y < 13; y++) for (let x = 1; x < 7; x++) if (rnd() < 0.4) px[(cy * 16 + y) * W + cx * 8 + x] = 0xd0d0d0;
  }
  // a photo: rows 64..191, columns 0..159
  for (let y = 64; y < H; y++) for (let x = 0; x < 160; x++) {
    const n = (rnd() - 0.5) * 12;
    px[y * W + x] = (clamp(128 + 60 * Math.sin(x / 17 + y / 29) + n) << 16) | (clamp(120 + 50 * Math.cos(y / 13) + n) << 8) | clamp(110 + 40 * Math.sin((x - y) / 23) + n);
  }
  // fills: rows 64..191, columns 160..319, two overlapping rectangles
  for (let y = 70; y < 180; y++) px.fill(0x3465a4, y * W + 170, y * W + 300);
  for (let y = 100; y < 150; y++) px.fill(0xcc0000, y * W + 200, y * W + 320);
  return px;
}

const clamp = (v: number) => Math.max(0, Math.min(255, Math.round(v)));

const BOXES: Box[] = [
  { x0: 0, y0: 0, x1: 256, y1: 64 }, // text
  { x0: 16, y0: 16, x1: 40, y1: 32 }, // a few glyphs
  { x0: 0, y0: 64, x1: 160, y1: 192 }, // photo
  { x0: 0, y0: 64, x1: 4, y1: 192 }, // a photo strip (pans)
  { x0: 160, y0: 64, x1: 320, y1: 192 }, // fills
  { x0: 180, y0: 80, x1: 190, y1: 90 }, // one colour
  { x0: 250, y0: 0, x1: 256, y1: 6 }, // tiny
  { x0: 3, y0: 5, x1: 200, y1: 61 }, // odd sizes and places (text)
  { x0: 7, y0: 71, x1: 158, y1: 190 }, // (photo)
  { x0: 161, y0: 99, x1: 301, y1: 151 }, // (fills)
  { x0: 0, y0: 0, x1: W, y1: H }, // everything
];

/**
 * Warms the display pipeline up for `compression` (once per process; later calls
 * return false at once). Takes tens of milliseconds once compiled, a few hundred before.
 */
export function warmUpDisplay(compression: CompressionName, rounds = 8): boolean {
  if (done) return false;
  done = true;
  registerDisplayFastPaths();
  const def = channelByType(ChannelType.DISPLAY)!;
  const w = new ByteWriter(1 << 16);
  const stats = new DisplayStats();
  const splitter = new SolidSplitter();
  kept.push(w, stats, splitter);
  const noClip = { type: ClipType.NONE };
  const noMask = { flags: 0, pos: { x: 0, y: 0 }, bitmap: null };
  for (let r = 0; r < rounds; r++) {
    // A fresh dictionary and cache now and then: first images, repeats and evictions all happen.
    const glz = new GlzEncoder({ windowPixels: r % 2 ? 1 << 20 : 1 << 14 });
    const cache = new PixmapCacheModel({ capacityPixels: 1 << 15, minPixels: 1024, newId: newImageId });
    const frame = warmUpFrame(1 + (r % 3));
    const damage = new Damage();
    kept.push(glz, cache, frame, damage);
    const bounds = { x0: 0, y0: 0, x1: W, y1: H };
    damage.addAll(BOXES, bounds);
    const plan = splitter.plan(frame.pixels, frame.stride, damage.take());
    for (const f of plan.fills) {
      w.reset();
      encodeMessageInto(def, 'server', {
        name: 'draw_fill',
        body: { base: { surface_id: 0, box: { top: f.y0, left: f.x0, bottom: f.y1, right: f.x1 }, clip: noClip }, data: { brush: { type: BrushType.SOLID, color: f.color }, rop_descriptor: Ropd.OP_PUT, mask: noMask } },
      }, w);
    }
    for (const b of [...BOXES, ...plan.rest]) {
      const settings: CompressionName[] = r % 4 === 3 && compression !== 'off' ? ['lz', compression] : [compression];
      for (const setting of settings) {
        const enc = encodeRect(frame, b, setting, { lz4: false, glz }, stats, { cache: r % 2 ? cache : null });
        if (enc.kind !== 'image') continue;
        w.reset();
        encodeMessageInto(def, 'server', {
          name: 'draw_copy',
          body: {
            base: { surface_id: 0, box: { top: b.y0, left: b.x0, bottom: b.y1, right: b.x1 }, clip: noClip },
            data: { src_bitmap: enc.image, src_area: { top: 0, left: 0, bottom: b.y1 - b.y0, right: b.x1 - b.x0 }, rop_descriptor: Ropd.OP_PUT, scale_mode: ImageScaleMode.NEAREST, mask: noMask },
          },
        }, w);
      }
    }
    w.reset();
    encodeMessageInto(def, 'server', { name: 'copy_bits', body: { base: { surface_id: 0, box: { top: 0, left: 0, bottom: 48, right: 256 }, clip: noClip }, src_pos: { x: 0, y: 16 } } }, w);
    damage.moved({ x0: 0, y0: 16, x1: 256, y1: 64 }, 0, -16, bounds);
    damage.clear();
  }
  return true;
}
