/**
 * The server's model of a viewer's pixmap cache, and the content hash that finds
 * repeated rectangles.
 *
 * SPICE image caches are managed by the server: the viewer stores an image when it
 * comes with CACHE_ME, returns it for FROM_CACHE, and drops it only when told
 * (INVAL_LIST, INVAL_ALL_PIXMAPS). Its DISPLAY_INIT announces a capacity in pixels
 * (width * height of each image, whatever the format; spice-gtk sends its byte budget
 * divided by 4). So the server keeps the account: before an image is stored, the least
 * recently used entries are evicted until it fits, and the evicted ids are sent in an
 * INVAL_LIST ahead of the image. The viewer never holds more than it announced and
 * never gets FROM_CACHE for an id it dropped.
 *
 * Entries are found by a 64-bit hash of the rectangle's pixels (two independent 32-bit
 * lanes over every pixel, seeded with the width and height) plus the exact size. The
 * id sent to the viewer is not the hash but a fresh small number per stored image:
 * spice-html5 reads u64 ids as `hi | lo` (a 32-bit value), so small unique ids keep
 * its cache keys distinct, and a re-stored image never meets a stale reference count.
 *
 * Lossy (JPEG) entries are marked: a hit on them is only used where a lossy image would
 * be sent anyway; otherwise the image is sent again losslessly with CACHE_REPLACE_ME
 * (spice-server's rule).
 */
import type { EncodeSource } from '../../codecs/encode/types.js';

export interface PixmapEntry {
  /** The id the viewer knows the image by. */
  readonly id: bigint;
  readonly width: number;
  readonly height: number;
  /** The viewer holds a lossy (JPEG) version. */
  lossy: boolean;
  /** Bytes the image took when it was sent (what a hit saves). */
  bytes: number;
}

export interface PixmapCacheOptions {
  /** What the viewer announced (DISPLAY_INIT pixmap_cache_size), already capped by the server. */
  capacityPixels: number;
  /** Smallest rectangle (width * height) worth hashing and caching. */
  minPixels: number;
  /** Where the ids of stored images come from. */
  newId: () => bigint;
}

export class PixmapCacheModel {
  readonly capacity: number;
  readonly minPixels: number;
  private readonly newId: () => bigint;
  /** Key (hash + size) -> entry; Map order is the LRU order, oldest first. */
  private readonly entries = new Map<string, PixmapEntry>();
  private used = 0;

  constructor(opts: PixmapCacheOptions) {
    this.capacity = Math.max(0, Math.floor(opts.capacityPixels));
    this.minPixels = Math.max(1, opts.minPixels);
    this.newId = opts.newId;
  }

  /** Pixels the viewer holds, as the server counts them. */
  get usedPixels(): number {
    return this.used;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Whether a rectangle of this size is considered at all. */
  wants(width: number, height: number): boolean {
    const px = width * height;
    return px >= this.minPixels && px <= this.capacity;
  }

  /** The entry for `key`, made the most recently used; undefined when absent. */
  lookup(key: string): PixmapEntry | undefined {
    const e = this.entries.get(key);
    if (e) {
      this.entries.delete(key);
      this.entries.set(key, e);
    }
    return e;
  }

  /**
   * Records that the viewer will store a new image under `key`. Returns the entry and the
   * ids evicted to make room (send them in an INVAL_LIST before the image), or undefined
   * when the image cannot fit at all.
   */
  add(key: string, width: number, height: number, lossy: boolean, bytes: number): { entry: PixmapEntry; evicted: bigint[] } | undefined {
    const px = width * height;
    if (px > this.capacity || this.entries.has(key)) return undefined;
    const evicted: bigint[] = [];
    for (const [k, old] of this.entries) {
      if (this.used + px <= this.capacity) break;
      this.entries.delete(k);
      this.used -= old.width * old.height;
      evicted.push(old.id);
    }
    const entry: PixmapEntry = { id: this.newId(), width, height, lossy, bytes };
    this.entries.set(key, entry);
    this.used += px;
    return { entry, evicted };
  }

  /** Forgets everything (the viewer was told INVAL_ALL_PIXMAPS). */
  clear(): void {
    this.entries.clear();
    this.used = 0;
  }
}

// Lane constants: odd multipliers with well-spread bits (from the golden ratio and
// murmur-style mixing), different per lane so the lanes are independent.
const M1 = 0x9e3779b1 | 0;
const M2 = 0x85ebca77 | 0;
const M3 = 0xc2b2ae3d | 0;
const M4 = 0x27d4eb2f | 0;

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * A cache key for the rectangle's pixels (RGB only; the alpha byte of xRGB frames is not
 * shown) and size: 16 hex digits of hash, then the size.
 *
 * Two lanes of different kinds (multiply-rotate, multiply-xorshift), each split over even
 * and odd pixels so the four chains run in parallel (1.4 ns a pixel instead of 2.3).
 * Every step is a bijection of its chain's state for a given pixel and of the pixel for a
 * given state, and the chains are combined through bijections, so two rectangles that
 * differ in a single pixel always get different keys; other differences collide with a
 * probability of about 2^-64.
 */
export function rectKey(s: EncodeSource): string {
  const p = s.pixels;
  let a0 = Math.imul(s.width, M1) ^ s.height;
  let a1 = a0 ^ 0x6a09e667;
  let b0 = Math.imul(s.height, M2) ^ s.width;
  let b1 = b0 ^ 0x3c6ef372;
  for (let y = 0; y < s.height; y++) {
    let i = (s.y + y) * s.stride + s.x;
    const end = i + s.width;
    for (; i + 1 < end; i += 2) {
      const v = p[i]! & 0xffffff;
      const u = p[i + 1]! & 0xffffff;
      a0 = Math.imul(a0 ^ v, M3);
      a0 = (a0 << 13) | (a0 >>> 19);
      a1 = Math.imul(a1 ^ u, M3);
      a1 = (a1 << 13) | (a1 >>> 19);
      b0 = Math.imul(b0 + v, M4);
      b0 ^= b0 >>> 15;
      b1 = Math.imul(b1 + u, M4);
      b1 ^= b1 >>> 15;
    }
    if (i < end) {
      const v = p[i]! & 0xffffff;
      a0 = Math.imul(a0 ^ v, M3);
      a0 = (a0 << 13) | (a0 >>> 19);
      b0 = Math.imul(b0 + v, M4);
      b0 ^= b0 >>> 15;
    }
  }
  const n = s.width * s.height;
  const h1 = fmix(a0 ^ fmix(a1 ^ n));
  const h2 = fmix(b0 ^ fmix(b1 ^ Math.imul(n, M1)));
  return `${h1.toString(16).padStart(8, '0')}${h2.toString(16).padStart(8, '0')}:${s.width}x${s.height}`;
}
