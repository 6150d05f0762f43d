/**
 * SPICE GLZ ("global LZ") decoder: LZ whose matches may point into earlier
 * images of a dictionary shared by every display channel of a session.
 *
 * Header (big-endian): magic "  ZL", version 1.1, one byte = LZ type |
 * top_down << 4, width, height, stride, image id (u64), win_head_dist (u32:
 * this id minus the oldest id still in the server's window); 33 bytes.
 *
 * Instructions: ctrl < 32 is a literal run of ctrl+1 pixels. Otherwise
 * length = top 3 bits (7 = extended by bytes until one is not 255) + a bias
 * per pass, and a pixel offset of 12, 17 or 25 bits plus an image distance
 * (0 = this image) of up to 24 bits, in one of two layouts chosen by bit 4 of
 * ctrl. Offsets into this image count back from the current pixel (biased by
 * one); offsets into another image count from its first pixel, in stream
 * order.
 *
 * Dictionary semantics follow spice-gtk (decode-glz.c), which the server's
 * encoder relies on: images are kept by id in stream order with the pixel
 * values spice-gtk stores (pad byte 0 for RGB literals, whatever references
 * copied otherwise); after each image, the ids below (last image of the
 * gap-free run of ids).id - its win_head_dist are released. A reference to an
 * image not yet decoded waits for it (it may be in flight on another display
 * channel), up to maxWaitMs. Unlike spice-gtk, memory is capped: past
 * maxRetainedPixels the oldest images are dropped, and references to them
 * fail with GLZ_MISSING.
 */
import { SpiceError, ErrorCode } from '../protocol/errors.js';
import { DEFAULT_MAX_PIXELS, type DecodedImage, type PixelFormat } from './types.js';
import { LZ_MAGIC, LZ_VERSION, LzImageType, checkExpansion, copyMatch32, corrupt, readU32BE, rgb16ToRgb32 } from './lz.js';

export const GLZ_HEADER_SIZE = 33;

export interface GlzHeader {
  type: number;
  topDown: boolean;
  width: number;
  height: number;
  stride: number;
  /** Image id in the session's GLZ dictionary. */
  id: number;
  /** Distance from this id back to the oldest image in the server's window. */
  winHeadDist: number;
}

/** Reads and checks a GLZ header. */
export function readGlzHeader(data: Uint8Array, maxPixels = DEFAULT_MAX_PIXELS): GlzHeader {
  if (data.length < GLZ_HEADER_SIZE) corrupt(`GLZ image of ${data.length} bytes is shorter than its 33-byte header`);
  const magic = readU32BE(data, 0);
  if (magic !== LZ_MAGIC) corrupt(`GLZ image has bad magic 0x${magic.toString(16)}`);
  const version = readU32BE(data, 4);
  if (version !== LZ_VERSION) corrupt(`GLZ image has unsupported version 0x${version.toString(16)}`);
  const type = data[8] & 0x0f;
  const topDown = (data[8] >>> 4) !== 0;
  if (type >= LzImageType.PLT1_LE && type <= LzImageType.PLT8) {
    // spice-gtk decodes GLZ without a palette and fails on these; the server never sends them
    corrupt(`GLZ palette images (type ${type}) are not supported`);
  }
  if (type < LzImageType.RGB16 || type > LzImageType.RGBA) corrupt(`GLZ image has invalid type ${type}`);
  const width = readU32BE(data, 9);
  const height = readU32BE(data, 13);
  const stride = readU32BE(data, 17);
  const idHigh = readU32BE(data, 21);
  const idLow = readU32BE(data, 25);
  const winHeadDist = readU32BE(data, 29);
  if (width === 0 || height === 0) corrupt(`GLZ image is empty (${width}x${height})`);
  if (width * height > maxPixels) corrupt(`GLZ image ${width}x${height} is over the ${maxPixels}-pixel limit`);
  if (idHigh >= 0x200000) corrupt('GLZ image id is out of range');
  const id = idHigh * 0x100000000 + idLow;
  if (winHeadDist > id) corrupt(`GLZ image ${id} has a window head before image 0 (distance ${winHeadDist})`);
  return { type, topDown, width, height, stride, id, winHeadDist };
}

export type GlzDecodedImage = DecodedImage & { lzType: number; topDown: boolean; glzId: number };

export interface GlzDictionaryOptions {
  /**
   * The GLZ window announced in DISPLAY_INIT, in pixels (spice-gtk announces
   * 3-16 Mi). The server never sends a GLZ image this large. Default 16 Mi.
   */
  windowPixels?: number;
  /** How long an image may wait for a dictionary image still in flight. Default 5000 ms. */
  maxWaitMs?: number;
  /** Largest single image (width*height). Default DEFAULT_MAX_PIXELS. */
  maxPixels?: number;
  /**
   * Most pixels kept in the dictionary; older images are dropped past it.
   * The server's window plus images received out of order fit in the
   * default, 2 * windowPixels.
   */
  maxRetainedPixels?: number;
}

/** Internal signal: the image refers to dictionary image `id`, which has not arrived. */
class MissingImage {
  constructor(readonly id: number) {}
}

interface StoredImage {
  id: number;
  winHeadDist: number;
  /** Stream order (bottom-up images have their bottom row first), raw pad bytes. */
  pixels: Uint32Array;
}

interface Pending {
  cancel(err: SpiceError): void;
}

/**
 * One session's GLZ dictionary (spice-gtk: SpiceGlzDecoderWindow). Every
 * display channel of the session decodes through the same instance.
 */
export class GlzDictionary {
  readonly windowPixels: number;
  readonly maxWaitMs: number;
  readonly maxPixels: number;
  readonly maxRetainedPixels: number;

  private images = new Map<number, StoredImage>();
  /** Ids below this are gone (released or dropped). */
  private oldest = 0;
  /** First id not yet seen in the gap-free run from id 0 (spice-gtk's tail_gap). */
  private tailGap = 0;
  private retained = 0;
  private waiters = new Map<number, Set<() => void>>();
  private pending = new Set<Pending>();

  constructor(opts: GlzDictionaryOptions = {}) {
    this.windowPixels = opts.windowPixels ?? 16 * 1024 * 1024;
    this.maxWaitMs = opts.maxWaitMs ?? 5000;
    this.maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
    this.maxRetainedPixels = opts.maxRetainedPixels ?? 2 * this.windowPixels;
  }

  /** Number of images held. */
  get size(): number {
    return this.images.size;
  }

  /** Pixels held. */
  get retainedPixels(): number {
    return this.retained;
  }

  /** Whether image `id` is held (can be referred to). */
  has(id: number): boolean {
    return this.images.has(id);
  }

  /**
   * Decodes one GLZ image and adds it to the dictionary. Returns a Promise
   * only when the image refers to a dictionary image that has not arrived
   * yet (it may be in flight on another display channel); the Promise
   * rejects with GLZ_MISSING after maxWaitMs. A reference to an image that
   * is gone for good (released or dropped) throws GLZ_MISSING at once (or
   * rejects, if found after a wait). Malformed data throws (or rejects)
   * CORRUPT_IMAGE. The returned pixels are the caller's to keep.
   */
  decode(data: Uint8Array): GlzDecodedImage | Promise<GlzDecodedImage> {
    const h = readGlzHeader(data, this.maxPixels);
    if (h.width * h.height > this.windowPixels) {
      corrupt(`GLZ image ${h.width}x${h.height} is larger than the ${this.windowPixels}-pixel window`);
    }
    checkExpansion(h.width * h.height, data.length - GLZ_HEADER_SIZE);
    const r = this.decodeNow(h, data);
    return r instanceof MissingImage ? this.waitAndRetry(h, data, r.id) : r;
  }

  /** Drops every image and fails every waiting decode (GLZ_MISSING). */
  reset(): void {
    const err = new SpiceError(ErrorCode.GLZ_MISSING, 'GLZ dictionary was reset');
    for (const p of [...this.pending]) p.cancel(err);
    this.images.clear();
    this.waiters.clear();
    this.oldest = 0;
    this.tailGap = 0;
    this.retained = 0;
  }

  private lookup(id: number): Uint32Array {
    const img = this.images.get(id);
    if (img) return img.pixels;
    if (id < this.oldest) {
      throw new SpiceError(ErrorCode.GLZ_MISSING, `GLZ reference to image ${id}, which has left the dictionary`);
    }
    throw new MissingImage(id);
  }

  private decodeNow(h: GlzHeader, data: Uint8Array): GlzDecodedImage | MissingImage {
    const n = h.width * h.height;
    const raw = new Uint32Array(n);
    const lookup = (id: number) => this.lookup(id);
    try {
      let pos = glzPass(data, GLZ_HEADER_SIZE, raw, n, h.id, h.type === LzImageType.RGB16 ? PASS_RGB16 : PASS_RGB, lookup);
      if (h.type === LzImageType.RGBA) pos = glzPass(data, pos, raw, n, h.id, PASS_ALPHA, lookup);
      if (pos !== data.length) corrupt(`GLZ image has ${data.length - pos} bytes after its last pixel`);
    } catch (e) {
      if (e instanceof MissingImage) return e;
      throw e;
    }
    this.add({ id: h.id, winHeadDist: h.winHeadDist, pixels: raw });

    const format: PixelFormat = h.type === LzImageType.RGBA ? 'argb' : 'xrgb';
    const pixels = new Uint32Array(n);
    const w = h.width;
    const orMask = format === 'xrgb' ? 0xff000000 : 0;
    for (let y = 0; y < h.height; y++) {
      const s = y * w;
      const o = (h.topDown ? y : h.height - 1 - y) * w;
      if (orMask) {
        for (let x = 0; x < w; x++) pixels[o + x] = raw[s + x] | orMask;
      } else {
        pixels.set(raw.subarray(s, s + w), o);
      }
    }
    return { width: h.width, height: h.height, pixels, format, lzType: h.type, topDown: h.topDown, glzId: h.id };
  }

  private add(img: StoredImage): void {
    const id = img.id;
    // a late image whose slot was already dropped: decodable, but nothing may refer to it now
    if (id < this.oldest) return;
    const prev = this.images.get(id);
    if (prev) this.retained -= prev.pixels.length;
    this.images.set(id, img);
    this.retained += img.pixels.length;

    while (this.tailGap <= id && this.images.has(this.tailGap)) this.tailGap++;
    const tail = this.images.get(this.tailGap - 1);
    if (tail) this.release(tail.id - tail.winHeadDist);

    if (this.retained > this.maxRetainedPixels) this.dropOldest();
    this.wake(id);
  }

  /** Frees every image below `newOldest`. */
  private release(newOldest: number): void {
    if (newOldest <= this.oldest) return;
    if (newOldest - this.oldest <= this.images.size * 2) {
      for (let id = this.oldest; id < newOldest; id++) this.forget(id);
    } else {
      for (const id of [...this.images.keys()]) if (id < newOldest) this.forget(id);
    }
    this.oldest = newOldest;
  }

  private forget(id: number): void {
    const img = this.images.get(id);
    if (!img) return;
    this.images.delete(id);
    this.retained -= img.pixels.length;
  }

  /** Over the memory cap: drop the oldest images (the newest one always stays). */
  private dropOldest(): void {
    const ids = [...this.images.keys()].sort((a, b) => a - b);
    for (let i = 0; i < ids.length - 1 && this.retained > this.maxRetainedPixels; i++) this.release(ids[i] + 1);
    if (this.tailGap < this.oldest) this.tailGap = this.oldest;
    // waiters for images that can no longer arrive retry now and fail
    for (const wid of [...this.waiters.keys()]) if (wid < this.oldest) this.wake(wid);
  }

  private wake(id: number): void {
    const list = this.waiters.get(id);
    if (!list) return;
    this.waiters.delete(id);
    for (const cb of list) queueMicrotask(cb);
  }

  private waitAndRetry(h: GlzHeader, data: Uint8Array, firstMissing: number): Promise<GlzDecodedImage> {
    return new Promise<GlzDecodedImage>((resolve, reject) => {
      let waitingOn = firstMissing;
      let done = false;
      const unregister = () => {
        const set = this.waiters.get(waitingOn);
        if (set) {
          set.delete(wakeUp);
          if (set.size === 0) this.waiters.delete(waitingOn);
        }
      };
      const finish = (err: unknown, value?: GlzDecodedImage) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        unregister();
        this.pending.delete(entry);
        if (err !== undefined) reject(err);
        else resolve(value as GlzDecodedImage);
      };
      const register = (id: number) => {
        waitingOn = id;
        let set = this.waiters.get(id);
        if (!set) this.waiters.set(id, (set = new Set()));
        set.add(wakeUp);
      };
      const wakeUp = () => {
        if (done) return;
        unregister();
        let r: GlzDecodedImage | MissingImage;
        try {
          r = this.decodeNow(h, data);
        } catch (e) {
          finish(e);
          return;
        }
        if (r instanceof MissingImage) register(r.id);
        else finish(undefined, r);
      };
      const entry: Pending = { cancel: (err) => finish(err) };
      const timer = setTimeout(() => {
        finish(new SpiceError(ErrorCode.GLZ_MISSING,
          `GLZ image ${h.id} waited ${this.maxWaitMs} ms for dictionary image ${waitingOn}, which never arrived`));
      }, this.maxWaitMs);
      this.pending.add(entry);
      register(firstMissing);
    });
  }
}

const PASS_RGB = 0;
const PASS_RGB16 = 1;
const PASS_ALPHA = 2;

/**
 * One GLZ pass over `n` pixels of `out` (stream order): RGB (3-byte B,G,R
 * literals, pad 0), RGB16 (2-byte big-endian x555 literals) or alpha (1-byte
 * literals into the top byte; matches copy only the top byte). Returns the
 * position after the pass.
 */
function glzPass(src: Uint8Array, pos: number, out: Uint32Array, n: number, imageId: number, pass: number,
  lookup: (id: number) => Uint32Array): number {
  const end = src.length;
  const bias = pass === PASS_ALPHA ? 2 : pass === PASS_RGB16 ? 1 : 0;
  let op = 0;
  while (op < n) {
    if (pos >= end) corrupt(`GLZ stream ends after ${op} of ${n} pixels`);
    const ctrl = src[pos++];
    if (ctrl < 32) {
      const count = ctrl + 1;
      if (op + count > n) corrupt('GLZ literal run goes past the end of the image');
      if (pass === PASS_RGB) {
        if (pos + count * 3 > end) corrupt('GLZ stream ends inside a literal run');
        for (let i = 0; i < count; i++) {
          out[op++] = src[pos] | (src[pos + 1] << 8) | (src[pos + 2] << 16);
          pos += 3;
        }
      } else if (pass === PASS_RGB16) {
        if (pos + count * 2 > end) corrupt('GLZ stream ends inside a literal run');
        for (let i = 0; i < count; i++) {
          out[op++] = rgb16ToRgb32((src[pos] << 8) | src[pos + 1]);
          pos += 2;
        }
      } else {
        if (pos + count > end) corrupt('GLZ stream ends inside a literal run');
        for (let i = 0; i < count; i++) {
          out[op] = (out[op] & 0xffffff) | (src[pos++] << 24);
          op++;
        }
      }
      continue;
    }

    let len = ctrl >>> 5;
    const longOffset = (ctrl >>> 4) & 1;
    let pixelOfs = ctrl & 0x0f;
    if (len === 7) {
      let code: number;
      do {
        if (pos >= end) corrupt('GLZ stream ends inside a match length');
        code = src[pos++];
        len += code;
      } while (code === 255);
    }
    if (pos + 2 > end) corrupt('GLZ stream ends inside a match offset');
    pixelOfs += src[pos++] << 4;
    const code = src[pos++];
    const imageBytes = code >>> 6;
    let imageDist = 0;
    if (!longOffset) {
      imageDist = code & 0x3f;
      if (pos + imageBytes > end) corrupt('GLZ stream ends inside an image distance');
      for (let i = 0; i < imageBytes; i++) imageDist += src[pos++] << (6 + 8 * i);
    } else {
      const veryLong = (code >>> 5) & 1;
      pixelOfs += (code & 0x1f) << 12;
      if (pos + imageBytes + veryLong > end) corrupt('GLZ stream ends inside an image distance');
      for (let i = 0; i < imageBytes; i++) imageDist += src[pos++] << (8 * i);
      if (veryLong) pixelOfs += src[pos++] << 17;
    }
    len += bias;
    if (op + len > n) corrupt('GLZ match goes past the end of the image');

    if (imageDist === 0) {
      const ref = op - (pixelOfs + 1);
      if (ref < 0) corrupt('GLZ match refers to before the start of the image');
      if (pass === PASS_ALPHA) {
        for (let i = 0; i < len; i++) out[op + i] = (out[op + i] & 0xffffff) | (out[ref + i] & 0xff000000);
      } else {
        copyMatch32(out, op, ref, len);
      }
    } else {
      if (imageDist > imageId) corrupt(`GLZ image ${imageId} refers to image ${imageId - imageDist}, before image 0`);
      const other = lookup(imageId - imageDist);
      if (pixelOfs + len > other.length) {
        corrupt(`GLZ match reads pixels ${pixelOfs}..${pixelOfs + len} of image ${imageId - imageDist}, which has ${other.length}`);
      }
      if (pass === PASS_ALPHA) {
        for (let i = 0; i < len; i++) out[op + i] = (out[op + i] & 0xffffff) | (other[pixelOfs + i] & 0xff000000);
      } else {
        out.set(other.subarray(pixelOfs, pixelOfs + len), op);
      }
    }
    op += len;
  }
  return pos;
}
