/**
 * What the display channels sent, per image codec: images, pixels and bytes, and what
 * the viewers' pixmap caches saved. `spice-ts serve --stats` prints it; the bench reads it.
 */

export interface CodecCount {
  images: number;
  pixels: number;
  /** Bytes of image data (the codec's output, without message headers). */
  bytes: number;
  /** Milliseconds spent encoding. */
  ms: number;
}

export interface CacheCount {
  /** Rectangles sent as FROM_CACHE instead of an image. */
  hits: number;
  /** Their pixels. */
  hitPixels: number;
  /** Image bytes those rectangles took when they were first sent (what the hits saved). */
  bytesSaved: number;
  /** Images sent with CACHE_ME. */
  stored: number;
  /** Entries the server evicted (INVAL_LIST ids). */
  evicted: number;
  /** Lossy entries replaced by a lossless image (CACHE_REPLACE_ME). */
  replaced: number;
  /** Milliseconds spent hashing rectangles. */
  hashMs: number;
}

/**
 * Millisecond sums start as -0, a double: a field that starts as a small integer and later
 * holds a fraction changes its object's hidden class, which throws away code V8 had
 * optimized for it (a deoptimization and a recompile in the middle of a session).
 */
const MS0 = -0;

export class DisplayStats {
  readonly codecs = new Map<string, CodecCount>();
  copyBits = 0;
  fills = 0;
  /** Damaged boxes the source knew to be one colour, planned without a scan (most go as fills). */
  knownFills = 0;
  /** Every byte the display channels wrote, headers included. */
  wireBytes = 0;
  messages = 0;
  /** Milliseconds the display channels spent sending damage (planning, encoding, messages). */
  sendMs = MS0;
  /** Of which: looking for solid parts, and turning messages into bytes. */
  planMs = MS0;
  messageMs = MS0;
  readonly cache: CacheCount = { hits: 0, hitPixels: 0, bytesSaved: 0, stored: 0, evicted: 0, replaced: 0, hashMs: MS0 };

  cacheHit(pixels: number, bytesSaved: number): void {
    this.cache.hits++;
    this.cache.hitPixels += pixels;
    this.cache.bytesSaved += bytesSaved;
  }

  count(codec: string, pixels: number, bytes: number, ms: number): void {
    let c = this.codecs.get(codec);
    if (!c) this.codecs.set(codec, c = { images: 0, pixels: 0, bytes: 0, ms: MS0 });
    c.images++;
    c.pixels += pixels;
    c.bytes += bytes;
    c.ms += ms;
  }

  /** A table, one line per codec. */
  format(): string {
    const lines = ['codec      images     pixels        bytes   bits/px   enc ms'];
    const rows = [...this.codecs.entries()].sort((a, b) => b[1].bytes - a[1].bytes);
    for (const [name, c] of rows) {
      lines.push(`${name.padEnd(8)} ${String(c.images).padStart(8)} ${String(c.pixels).padStart(10)} ${String(c.bytes).padStart(12)}`
        + ` ${(c.pixels ? (c.bytes * 8) / c.pixels : 0).toFixed(3).padStart(9)} ${c.ms.toFixed(1).padStart(8)}`);
    }
    const k = this.cache;
    if (k.hits || k.stored) {
      lines.push(`pixmap cache: ${k.hits} hits (${k.hitPixels} pixels, ${k.bytesSaved} image bytes saved), ${k.stored} stored,`
        + ` ${k.evicted} evicted, ${k.replaced} replaced lossless, hashing ${k.hashMs.toFixed(1)} ms`);
    }
    lines.push(`fills ${this.fills} (boxes known one colour: ${this.knownFills}), copy-bits ${this.copyBits}, display messages ${this.messages}, display bytes ${this.wireBytes}`);
    lines.push(`sending ${this.sendMs.toFixed(1)} ms (solid parts ${this.planMs.toFixed(1)} ms, messages ${this.messageMs.toFixed(1)} ms)`);
    return lines.join('\n');
  }

  toJSON(): Record<string, unknown> {
    return {
      codecs: Object.fromEntries(this.codecs), copyBits: this.copyBits, fills: this.fills, knownFills: this.knownFills,
      wireBytes: this.wireBytes, messages: this.messages, sendMs: this.sendMs, planMs: this.planMs, messageMs: this.messageMs,
      cache: { ...this.cache },
    };
  }
}
