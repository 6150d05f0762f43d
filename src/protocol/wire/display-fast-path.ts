/**
 * Fast writers (fast-path.ts) for the display messages a server sends most: DRAW_FILL
 * (solid brush), DRAW_COPY (an image of one of the common kinds, or none) and COPY_BITS,
 * all without clip rectangles or mask bitmap. They write what the schema walk writes for
 * these shapes, field by field in the same order, pointer target after the fixed part
 * (test/unit/display-fast-path.test.ts compares both on random messages); any other
 * shape or a value out of range is declined, so the schema walk handles it and its errors.
 */
import { BitmapFlags, BrushType, ClipType, ImageType } from '../enums/index.js';
import { displayServer } from '../schema/display.js';
import type { ByteWriter } from './bytes.js';
import { setFastWriter } from './fast-path.js';
import type { StructType } from './types.js';

type Obj = Record<string, any>;

// Exact range tests; anything else (a string, NaN, a fraction) fails them. A bigint throws,
// which declines too.
const isU8 = (v: unknown) => ((v as number) & 0xff) === v;
const isU16 = (v: unknown) => ((v as number) & 0xffff) === v;
const isU32 = (v: unknown) => (v as number) >>> 0 === v;
const isI32 = (v: unknown) => ((v as number) | 0) === v;

/** DisplayBase with clip NONE: surface_id, box (top, left, bottom, right), clip type. */
function writeBase(b: Obj, w: ByteWriter): boolean {
  const box = b.box, clip = b.clip;
  if (!isU32(b.surface_id) || clip.type !== ClipType.NONE) return false;
  if (!isI32(box.top) || !isI32(box.left) || !isI32(box.bottom) || !isI32(box.right)) return false;
  w.u32(b.surface_id).i32(box.top).i32(box.left).i32(box.bottom).i32(box.right).u8(ClipType.NONE);
  return true;
}

/** QMask without a bitmap: flags, pos, a NULL pointer. */
function writeMask(m: Obj, w: ByteWriter): boolean {
  const pos = m.pos;
  if (m.bitmap !== null || !isU8(m.flags) || !isI32(pos.x) || !isI32(pos.y)) return false;
  w.u8(m.flags).i32(pos.x).i32(pos.y).u32(0);
  return true;
}

function drawFill(value: unknown, w: ByteWriter): boolean {
  const v = value as Obj, d = v.data, brush = d.brush;
  if (brush.type !== BrushType.SOLID || !isU32(brush.color) || !isU16(d.rop_descriptor)) return false;
  if (!writeBase(v.base, w)) return false;
  w.u8(BrushType.SOLID).u32(brush.color).u16(d.rop_descriptor);
  return writeMask(d.mask, w);
}

function copyBits(value: unknown, w: ByteWriter): boolean {
  const v = value as Obj, p = v.src_pos;
  if (!isI32(p.x) || !isI32(p.y) || !writeBase(v.base, w)) return false;
  w.i32(p.x).i32(p.y);
  return true;
}

/** The Image case property written for each image type handled (BinaryData bodies). */
const BINARY: Record<number, string> = {
  [ImageType.QUIC]: 'quic', [ImageType.LZ_RGB]: 'lz_rgb', [ImageType.GLZ_RGB]: 'lz_rgb',
  [ImageType.JPEG]: 'jpeg', [ImageType.LZ4]: 'lz4',
};

/** An Image: descriptor, then the body its type selects (binary data, a bitmap without palette, or nothing). */
function writeImage(img: Obj, w: ByteWriter): boolean {
  const d = img.descriptor, type = d.type;
  if (typeof d.id !== 'bigint' || !isU8(type) || !isU8(d.flags) || !isU32(d.width) || !isU32(d.height)) return false;
  const prop = BINARY[type];
  if (prop !== undefined) {
    const b = img[prop];
    const data = b.data;
    if (!(data instanceof Uint8Array) || !isU32(b.data_size) || b.data_size !== data.length) return false;
    w.u64(BigInt.asUintN(64, d.id)).u8(type).u8(d.flags).u32(d.width).u32(d.height);
    w.u32(b.data_size).bytes(data);
    return true;
  }
  if (type === ImageType.BITMAP) {
    const b = img.bitmap;
    const data = b.data;
    if (!isU8(b.format) || !isU8(b.flags) || (b.flags & BitmapFlags.PAL_FROM_CACHE) !== 0 || b.palette !== null) return false;
    if (!isU32(b.x) || !isU32(b.y) || !isU32(b.stride) || !(data instanceof Uint8Array) || data.length !== b.stride * b.y) return false;
    w.u64(BigInt.asUintN(64, d.id)).u8(type).u8(d.flags).u32(d.width).u32(d.height);
    w.u8(b.format).u8(b.flags).u32(b.x).u32(b.y).u32(b.stride).u32(0).bytes(data);
    return true;
  }
  if (type === ImageType.FROM_CACHE || type === ImageType.FROM_CACHE_LOSSLESS) {
    w.u64(BigInt.asUintN(64, d.id)).u8(type).u8(d.flags).u32(d.width).u32(d.height);
    return true;
  }
  return false;
}

function drawCopy(value: unknown, w: ByteWriter): boolean {
  const v = value as Obj, d = v.data, area = d.src_area, img = d.src_bitmap;
  if (!isI32(area.top) || !isI32(area.left) || !isI32(area.bottom) || !isI32(area.right)) return false;
  if (!isU16(d.rop_descriptor) || !isU8(d.scale_mode) || img === undefined) return false;
  const start = w.pos;
  if (!writeBase(v.base, w)) return false;
  const at = w.pos;
  w.u32(0).i32(area.top).i32(area.left).i32(area.bottom).i32(area.right).u16(d.rop_descriptor).u8(d.scale_mode);
  if (!writeMask(d.mask, w)) return false;
  if (img === null) return true;
  w.patchU32(at, w.pos - start);
  return writeImage(img, w);
}

const body = (name: keyof typeof displayServer) => displayServer[name][1] as StructType<unknown>;
let registered = false;

/** Registers the writers above (once). */
export function registerDisplayFastPaths(): void {
  if (registered) return;
  registered = true;
  setFastWriter(body('draw_fill'), drawFill);
  setFastWriter(body('draw_copy'), drawCopy);
  setFastWriter(body('copy_bits'), copyBits);
}
