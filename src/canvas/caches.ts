/**
 * The client-side caches of a display session. Both are server-managed: the
 * server decides what is stored and when it is dropped (INVAL_LIST,
 * INVAL_ALL_PIXMAPS, INVAL_PALETTE, INVAL_ALL_PALETTES); the client never
 * evicts on its own. A size limit is only a guard against a misbehaving
 * server: going over it is an error, not an eviction.
 *
 * The image cache is shared by every display channel of a session that sent
 * the same pixmap_cache_id, so it is an object of its own passed to each
 * DisplayCanvas. Like spice-gtk's, its entries are reference counted: the
 * same id stored twice needs two invalidations to go.
 */
import { ErrorCode, SpiceError } from '../protocol/errors.js';
import type { CanvasImage } from './types.js';

export interface ImageCacheOptions {
  /** Largest total of width*height over all entries. Default 64 Mi pixels. */
  maxPixels?: number;
  /**
   * When several display channels share the cache, how long a FROM_CACHE
   * may wait for another channel to store the image (ms). Default 5000.
   */
  maxWaitMs?: number;
}

interface ImageEntry {
  image: CanvasImage;
  lossy: boolean;
  refs: number;
}

export class ImageCache {
  private readonly entries = new Map<bigint, ImageEntry>();
  private pixels = 0;
  readonly maxPixels: number;
  readonly maxWaitMs: number;
  /**
   * Display channels using this cache. With more than one, an image missing
   * on one channel may still be on its way on another (the server tracks the
   * cache per client, not per channel): lookups then wait, as spice-gtk does.
   */
  users = 0;
  private readonly waiters = new Map<bigint, (() => void)[]>();

  constructor(opts: ImageCacheOptions = {}) {
    this.maxPixels = opts.maxPixels ?? 64 * 1024 * 1024;
    this.maxWaitMs = opts.maxWaitMs ?? 5000;
  }

  /**
   * FROM_CACHE / FROM_CACHE_LOSSLESS: the entry now, or (shared cache) a
   * Promise of it once another channel stores it, rejected after maxWaitMs.
   */
  lookup(id: bigint, lossless: boolean): CanvasImage | Promise<CanvasImage> {
    const e = this.entries.get(id);
    const usable = e && !(lossless && e.lossy);
    if (usable || this.users <= 1) return lossless ? this.getLossless(id) : this.get(id);
    return new Promise<CanvasImage>((resolve, reject) => {
      const list = this.waiters.get(id) ?? [];
      const timer = setTimeout(() => {
        const l = this.waiters.get(id);
        if (l) { const i = l.indexOf(check); if (i >= 0) l.splice(i, 1); }
        try { resolve(lossless ? this.getLossless(id) : this.get(id)); } catch (err) { reject(err); }
      }, this.maxWaitMs);
      const check = () => {
        const x = this.entries.get(id);
        if (!x || (lossless && x.lossy)) return;
        clearTimeout(timer);
        const l = this.waiters.get(id);
        if (l) { const i = l.indexOf(check); if (i >= 0) l.splice(i, 1); }
        resolve(x.image);
      };
      list.push(check);
      this.waiters.set(id, list);
    });
  }

  private wake(id: bigint): void {
    const l = this.waiters.get(id);
    if (!l) return;
    for (const f of [...l]) f();
    if (l.length === 0) this.waiters.delete(id);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Total width*height of the cached images. */
  get totalPixels(): number {
    return this.pixels;
  }

  /** Stores `image` under `id` (CACHE_ME); an existing entry is replaced and its count kept + 1. */
  put(id: bigint, image: CanvasImage, lossy = false): void {
    const old = this.entries.get(id);
    const oldPx = old ? old.image.width * old.image.height : 0;
    const px = image.width * image.height;
    if (this.pixels - oldPx + px > this.maxPixels) {
      throw new SpiceError(ErrorCode.LIMIT, `image cache: storing image ${id} (${image.width}x${image.height}) would exceed the limit of ${this.maxPixels} pixels`);
    }
    this.pixels += px - oldPx;
    this.entries.set(id, { image, lossy, refs: old ? old.refs + 1 : 1 });
    this.wake(id);
  }

  /** Replaces a lossy entry by its lossless version (CACHE_REPLACE_ME), keeping the count. */
  replaceLossy(id: bigint, image: CanvasImage): void {
    const old = this.entries.get(id);
    const oldPx = old ? old.image.width * old.image.height : 0;
    const px = image.width * image.height;
    if (this.pixels - oldPx + px > this.maxPixels) {
      throw new SpiceError(ErrorCode.LIMIT, `image cache: replacing image ${id} would exceed the limit of ${this.maxPixels} pixels`);
    }
    this.pixels += px - oldPx;
    this.entries.set(id, { image, lossy: false, refs: old ? old.refs : 1 });
    this.wake(id);
  }

  /** FROM_CACHE: the entry, lossy or not. Throws when absent. */
  get(id: bigint): CanvasImage {
    const e = this.entries.get(id);
    if (!e) throw new SpiceError(ErrorCode.INCONSISTENT, `image cache: no image with id ${id} (FROM_CACHE)`);
    return e.image;
  }

  /** FROM_CACHE_LOSSLESS: the entry, which must not be lossy. Throws otherwise. */
  getLossless(id: bigint): CanvasImage {
    const e = this.entries.get(id);
    if (!e) throw new SpiceError(ErrorCode.INCONSISTENT, `image cache: no image with id ${id} (FROM_CACHE_LOSSLESS)`);
    if (e.lossy) throw new SpiceError(ErrorCode.INCONSISTENT, `image cache: image ${id} is lossy but FROM_CACHE_LOSSLESS asks for the lossless version`);
    return e.image;
  }

  has(id: bigint): boolean {
    return this.entries.has(id);
  }

  isLossy(id: bigint): boolean | undefined {
    return this.entries.get(id)?.lossy;
  }

  /** INVAL_LIST entry: drops one reference; returns false when the id was not cached. */
  remove(id: bigint): boolean {
    const e = this.entries.get(id);
    if (!e) return false;
    if (--e.refs <= 0) {
      this.entries.delete(id);
      this.pixels -= e.image.width * e.image.height;
    }
    return true;
  }

  /** INVAL_ALL_PIXMAPS. */
  clear(): void {
    this.entries.clear();
    this.pixels = 0;
  }
}

export interface PaletteCacheOptions {
  /** Most palettes kept at once. Default 4096 (servers assume 128). */
  maxEntries?: number;
}

/** Palettes keyed by Palette.unique (PAL_CACHE_ME / PAL_FROM_CACHE); entries are 0x00RRGGBB words. */
export class PaletteCache {
  private readonly entries = new Map<bigint, Uint32Array>();
  readonly maxEntries: number;

  constructor(opts: PaletteCacheOptions = {}) {
    this.maxEntries = opts.maxEntries ?? 4096;
  }

  get size(): number {
    return this.entries.size;
  }

  put(id: bigint, ents: Uint32Array): void {
    if (!this.entries.has(id) && this.entries.size >= this.maxEntries) {
      throw new SpiceError(ErrorCode.LIMIT, `palette cache: more than ${this.maxEntries} palettes`);
    }
    this.entries.set(id, ents);
  }

  get(id: bigint): Uint32Array {
    const p = this.entries.get(id);
    if (!p) throw new SpiceError(ErrorCode.INCONSISTENT, `palette cache: no palette with id ${id} (PAL_FROM_CACHE)`);
    return p;
  }

  has(id: bigint): boolean {
    return this.entries.has(id);
  }

  remove(id: bigint): boolean {
    return this.entries.delete(id);
  }

  clear(): void {
    this.entries.clear();
  }
}
