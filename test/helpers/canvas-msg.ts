/**
 * Builders for decoded display messages and images, for canvas tests. The
 * shapes are those decodeMessage produces for the display channel.
 */
import { DisplayCanvas, SURFACE_FMT, type DisplayCanvasOptions, type Rect } from '../../src/canvas/index.js';

export const R = (left: number, top: number, right: number, bottom: number): Rect => ({ top, left, bottom, right });

export interface BaseOpts { surface?: number; clip?: Rect[] }

export function base(box: Rect, o: BaseOpts = {}) {
  return {
    surface_id: o.surface ?? 0,
    box,
    clip: o.clip ? { type: 1, rects: { num_rects: o.clip.length, rects: o.clip } } : { type: 0 },
  };
}

export const noMask = { flags: 0, pos: { x: 0, y: 0 }, bitmap: null };

export function solid(color: number) {
  return { type: 1, color };
}

export function pattern(pat: unknown, x = 0, y = 0) {
  return { type: 2, pattern: { pat, pos: { x, y } } };
}

export interface ImgOpts { id?: bigint; flags?: number }

/** A BITMAP image. `data` rows as given (set TOP_DOWN in bmFlags for top-down). */
export function bitmapImage(format: number, w: number, h: number, stride: number, data: number[] | Uint8Array,
  o: ImgOpts & { bmFlags?: number; palette?: number[]; paletteId?: bigint; unique?: bigint } = {}) {
  const bm: Record<string, unknown> = {
    format, flags: o.bmFlags ?? 4, x: w, y: h, stride, data: Uint8Array.from(data),
  };
  if ((o.bmFlags ?? 4) & 2) bm.palette_id = o.paletteId ?? 0n;
  else bm.palette = o.palette ? { unique: o.unique ?? 1n, num_ents: o.palette.length, ents: o.palette } : null;
  return { descriptor: { id: o.id ?? 0n, type: 0, flags: o.flags ?? 0, width: w, height: h }, bitmap: bm };
}

/** A top-down 32BIT bitmap from 0xXXRRGGBB words. */
export function rgb32Image(w: number, h: number, words: number[], o: ImgOpts = {}) {
  const data: number[] = [];
  for (const v of words) data.push(v & 255, (v >>> 8) & 255, (v >>> 16) & 255, (v >>> 24) & 255);
  return bitmapImage(8, w, h, w * 4, data, o);
}

/** A top-down RGBA bitmap from premultiplied 0xAARRGGBB words. */
export function rgbaImage(w: number, h: number, words: number[], o: ImgOpts = {}) {
  const img = rgb32Image(w, h, words, o);
  (img.bitmap as { format: number }).format = 9;
  return img;
}

export function cacheRef(id: bigint, lossless = false) {
  return { descriptor: { id, type: lossless ? 106 : 103, flags: 0, width: 0, height: 0 } };
}

export function surfaceRef(surfaceId: number) {
  return { descriptor: { id: 0n, type: 104, flags: 0, width: 0, height: 0 }, surface_id: surfaceId };
}

/** A top-down 1BIT_BE mask bitmap from rows of '1'/'0' characters. */
export function maskBitmap(rows: string[], o: ImgOpts = {}) {
  const w = rows[0]!.length, stride = Math.ceil(w / 8), data: number[] = [];
  for (const r of rows) {
    const bytes = new Array(stride).fill(0);
    for (let x = 0; x < w; x++) if (r[x] === '1') bytes[x >> 3] |= 0x80 >> (x & 7);
    data.push(...bytes);
  }
  return bitmapImage(2, w, rows.length, stride, data, o);
}

/** A canvas with one primary surface (id 0) filled with `fill`. */
export function canvasWith(w: number, h: number, fill = 0, format: number = SURFACE_FMT.XRGB, opts: DisplayCanvasOptions = {}) {
  const c = new DisplayCanvas(opts);
  c.apply({ name: 'surface_create', body: { surface_id: 0, width: w, height: h, format, flags: 1 } });
  c.surface(0).pixels.fill(fill);
  return c;
}

/** Pixels of surface `id` as an array of numbers (for deepEqual). */
export function px(c: DisplayCanvas, id = 0): number[] {
  return Array.from(c.surface(id).pixels);
}

/** Sets surface pixels from an array. */
export function setPx(c: DisplayCanvas, words: number[], id = 0): void {
  c.surface(id).pixels.set(words.map((v) => v >>> 0));
}
