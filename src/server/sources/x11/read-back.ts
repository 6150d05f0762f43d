/**
 * Reading pixels back from the X server, for the x11 source (source.ts):
 *
 * - capture(): damaged rectangles of the root window into the frame, by GetImage in bands
 *   of rows; a large reply is written into the frame straight from the socket's reads as
 *   it arrives (zpixmapSink).
 * - searchAhead(): the scroll search's read-ahead. Large damage rectangles are read into a
 *   scratch buffer before they are reported, compared with the frame (scroll-box.ts,
 *   scroll.ts) and written into it; a shift found that way goes to the sink as a move
 *   (COPY_BITS), a box of one colour as a fill, and only the rest as damage.
 *
 * Both read from the Xvfb's framebuffer file instead of GetImage while one is attached
 * (framebuffer-file.ts): synchronously, so a search's read and its comparison are one step.
 *
 * Between the two it keeps what makes that safe: the rectangles read ahead, which the
 * capture that follows their report skips unless damage came there since (`fresh`), and
 * the captures that wrote into the frame, so that a read-ahead older than one of them
 * never puts its older pixels over the capture's.
 */
import type { SourceFrame, SourceRect, SourceSink } from '../../source.js';
import type { X11Connection } from './connection.js';
import { X11RequestError } from './connection.js';
import { XErr, encodeGetImage, parseGetImageParts } from './protocol.js';
import { copyZPixmapParts, zpixmapSink, zpixmapStride, type PixelFormat } from './pixels.js';
import { FreshRects, RowHashCache, pickBoxes, searchBox, type ScrollStats } from './scroll-box.js';
import type { PixelView, ScrollOptions } from './scroll.js';
import { SolidNotes } from './solid-notes.js';
import { warmUpX11 } from './warm-up.js';
import type { FramebufferFile } from './framebuffer-file.js';

/** What the warm-up reports (see searchSink). */
const NO_RECTS: SourceRect[] = [];
const NO_AREA: SourceRect = { x: 0, y: 0, width: 0, height: 0 };

/** What a read from the framebuffer file returns (it is done by then). */
const READ: Promise<boolean> = Promise.resolve(true);

/** How many captures are remembered (older ones count as covering everything). */
const CAPTURES_KEPT = 64;

const overlaps = (a: SourceRect, b: SourceRect) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

/** What the reader needs of its source. */
export interface ReadBackHost {
  /** The frame pixels go into now; undefined once the source stopped. */
  current(): SourceFrame | undefined;
  /** Where the search reports moves and damage (undefined before the source started). */
  sink(): SourceSink | undefined;
  /** Diagnostics. */
  log(msg: string): void;
}

export class X11ReadBack {
  /** Rectangles whose frame pixels were read after their last damage: capture() need not read them. */
  private readonly fresh = new FreshRects();
  /** Row hashes of boxes the search wrote into the frame (the next search there starts from them). */
  private readonly rowHashes = new RowHashCache();
  /** Boxes of the frame the search found one colour (the display channel asks before scanning them). */
  readonly solids = new SolidNotes();
  /** The latest GetImages whose pixels capture() (started to) put into the frame, and where. */
  private captured: { seq: number; area: SourceRect }[] = [];
  /** The newest of those no longer listed (a search older than it counts as raced everywhere). */
  private capturedDropped = 0;
  private scratch = new Uint32Array(0);
  /** The X server's framebuffer file, read instead of GetImage while set (framebuffer-file.ts). */
  private fb?: FramebufferFile;
  /**
   * Where the search reports: one object for the reader's life, the warm-up's included, so
   * the search's compiled code always meets the same functions. The warm-up's reports reach
   * the sink too, emptied (no damage, a move of nothing): V8 then compiles the search with
   * these calls already seen, where skipping them left it code that threw itself away at the
   * first real report and was compiled again (~20 ms) in the middle of a session.
   */
  private warming = false;
  private readonly searchSink = {
    move: (src: SourceRect, x: number, y: number): void => { this.host.sink()?.move?.(this.warming ? NO_AREA : src, x, y); },
    damage: (rects: SourceRect[]): void => { this.host.sink()?.damage(this.warming ? NO_RECTS : rects); },
  };

  constructor(
    private readonly conn: X11Connection,
    private readonly root: number,
    private readonly fmt: PixelFormat,
    private readonly host: ReadBackHost,
    private readonly stats: ScrollStats,
    /** Largest GetImage reply in bytes (default 1 MiB); larger rectangles are read in bands of rows. */
    private readonly maxImageBytes = 1 << 20,
  ) {}

  /** Runs the scroll search and pixel copies once on made-up pictures (x11/warm-up.ts; once per process). */
  warmUp(): void {
    this.warming = true;
    try { warmUpX11(this.searchSink); } finally { this.warming = false; }
  }

  /** Damage is about to be reported there: what was read ahead is no longer current. */
  invalidate(rects: readonly SourceRect[]): void {
    this.fresh.invalidate(rects);
  }

  /** A new frame (the screen was resized): nothing known of the old one holds, nor the framebuffer file's layout. */
  reset(): void {
    this.fresh.clear();
    this.rowHashes.clear();
    this.solids.clear();
    if (this.fb) this.dropFramebuffer('the screen was resized');
  }

  /**
   * Reads pixels from `fb` from now on, instead of asking the X server (the caller has
   * checked that it holds the screen). A failed read drops it for GetImage again.
   */
  useFramebuffer(fb: FramebufferFile): void {
    this.fb?.close();
    this.fb = fb;
  }

  /** The framebuffer file read now, if any. */
  get framebufferPath(): string | undefined {
    return this.fb?.path;
  }

  /** Stops reading the framebuffer file (GetImage from now on). */
  dropFramebuffer(why?: string): void {
    if (!this.fb) return;
    if (why) this.host.log(`x11: no longer reading ${this.fb.path} (${why}): reading pixels with GetImage`);
    this.fb.close();
    this.fb = undefined;
  }

  /** A rectangle from the framebuffer file into dst; false (and the file dropped) when that fails. */
  private readFile(x: number, y: number, w: number, h: number, dst: Uint32Array, at: number, stride: number): boolean {
    const fb = this.fb!, reads = fb.reads, bytes = fb.bytesRead;
    try {
      fb.read(x, y, w, h, dst, at, stride);
      this.countFileReads(fb, reads, bytes);
      return true;
    } catch (e) {
      this.dropFramebuffer((e as Error).message);
      return false;
    }
  }

  /** Reads the rectangles from the root window into the frame (clipped; big ones in bands). */
  async capture(rects: readonly SourceRect[]): Promise<void> {
    const f = this.host.current();
    if (!f) return;
    const jobs: Promise<boolean>[] = [];
    const covered = this.fresh.take();
    for (const r of rects) {
      if (covered(r)) continue;
      const x0 = Math.max(0, Math.floor(r.x)), y0 = Math.max(0, Math.floor(r.y));
      const x1 = Math.min(f.width, Math.ceil(r.x + r.width)), y1 = Math.min(f.height, Math.ceil(r.y + r.height));
      if (x1 <= x0 || y1 <= y0) continue;
      // (Resized meanwhile: the old frame gets the pixels, the whole new one gets read.)
      const area = { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
      jobs.push(this.getImage(x0, y0, x1 - x0, y1 - y0, f.pixels, y0 * f.stride + x0, f.stride, (seq) => {
        if (this.captured.push({ seq, area }) > CAPTURES_KEPT) this.capturedDropped = Math.max(this.capturedDropped, this.captured.shift()!.seq);
        this.rowHashes.invalidate(area);
        this.solids.forget(area);
      }));
    }
    await Promise.all(jobs);
  }

  /**
   * Reads a rectangle of the root window into `dst` (GetImage in bands of rows); false when
   * the screen shrank under it (BadMatch; ConfigureNotify follows). `wrote`: when a band's
   * pixels start going into `dst` (a streamed band is written as it arrives).
   */
  private getImage(x: number, y: number, w: number, h: number, dst: Uint32Array, at: number, stride: number, wrote?: (seq: number) => void): Promise<boolean> {
    const conn = this.conn;
    if (this.fb && this.readFile(x, y, w, h, dst, at, stride)) {
      // Read now: newer than any GetImage asked for so far.
      wrote?.(conn.lastSequence);
      return READ;
    }
    const rowsPer = Math.max(1, Math.floor(Math.max(4096, this.maxImageBytes) / zpixmapStride(this.fmt, w)));
    const bands: Promise<boolean>[] = [];
    for (let r = 0; r < h; r += rowsPer) {
      const n = Math.min(rowsPer, h - r);
      // Large replies go straight from the socket's reads into dst as they arrive.
      let streamed = false;
      const open = (size: number) => {
        const sink = zpixmapSink(this.fmt, w, n, dst, at + r * stride, stride, size);
        streamed = sink !== undefined;
        if (streamed) wrote?.(seq);
        return sink;
      };
      const req = conn.requestParts(encodeGetImage(this.root, x, y + r, w, n), 'GetImage', open);
      this.stats.getImages++;
      this.stats.getImagePixels += w * n;
      const seq = conn.lastSequence;
      bands.push(req.then(
        (parts) => {
          if (!streamed) {
            parseGetImageParts(parts);
            wrote?.(seq);
            copyZPixmapParts(parts, 32, w, n, this.fmt, dst, at + r * stride, stride);
          }
          return true;
        },
        (e) => {
          if (e instanceof X11RequestError && e.x.code === XErr.BadMatch) return false;
          throw e;
        },
      ));
    }
    return Promise.all(bands).then((ok) => ok.every(Boolean));
  }

  /**
   * Reads the large rectangles of `rects` now and searches them against the frame (moves
   * and what else changed go to the sink as they are found; the frame then holds their
   * pixels). Returns the other rectangles, to report as damage, or undefined when the
   * frame was replaced or the source stopped meanwhile (the new frame is read whole).
   */
  async searchAhead(rects: SourceRect[], opts: ScrollOptions): Promise<SourceRect[] | undefined> {
    const f = this.host.current();
    if (!f) return undefined;
    const { big, rest } = pickBoxes(rects, f, opts);
    if (!big.length) return rest;
    const firstSeq = this.conn.lastSequence + 1;
    // From the framebuffer file the boxes' whole rows are read and searched in one go
    // (nothing runs in between, so no capture can race them).
    const now = this.fb && this.readBoxRows(big, f.stride);
    if (now) return this.searchRead(f, big, now.views, rest, opts, firstSeq);
    // From the X server: into `scratch`, one after another, each row at the same word parity
    // as in the frame (the search compares two words at a time where both line up).
    const at: number[] = [], strides: number[] = [];
    let total = 0;
    for (const r of big) {
      const stride = r.width + ((r.width ^ f.stride) & 1);
      total += (total ^ (r.y * f.stride + r.x)) & 1;
      at.push(total);
      strides.push(stride);
      total += stride * r.height;
    }
    const scratch = this.scratchOf(total);
    const read = await Promise.all(big.map((r, i) => this.getImage(r.x, r.y, r.width, r.height, scratch, at[i]!, strides[i]!)));
    if (this.host.current() !== f) return undefined;
    // Boxes the screen shrank under go as damage (the new frame is read whole).
    const boxes: SourceRect[] = [], views: PixelView[] = [];
    for (let i = 0; i < big.length; i++) {
      if (!read[i]) { rest.push(big[i]!); continue; }
      boxes.push(big[i]!);
      views.push({ pixels: scratch, offset: at[i]!, stride: strides[i]! });
    }
    return this.searchRead(f, boxes, views, rest, opts, firstSeq);
  }

  private scratchOf(words: number): Uint32Array {
    if (this.scratch.length < words) this.scratch = new Uint32Array(words);
    return this.scratch;
  }

  /**
   * The boxes' whole rows from the framebuffer file into `scratch` (one read a box, each row
   * at the frame's word parity); views of the boxes in it, or undefined when the file failed.
   */
  private readBoxRows(big: readonly SourceRect[], frameStride: number): { views: PixelView[] } | undefined {
    const wpl = this.fb!.wordsPerLine;
    const at: number[] = [];
    let total = 0;
    for (const r of big) {
      total += (total ^ (r.y * frameStride)) & 1;
      at.push(total);
      total += wpl * r.height;
    }
    const scratch = this.scratchOf(total);
    const views: PixelView[] = [];
    const fb = this.fb!, reads = fb.reads, bytes = fb.bytesRead;
    for (let i = 0; i < big.length; i++) {
      const r = big[i]!;
      try {
        fb.readRows(r.y, r.height, scratch, at[i]!);
      } catch (e) {
        this.dropFramebuffer((e as Error).message);
        return undefined;
      }
      views.push({ pixels: scratch, offset: at[i]! + r.x, stride: wpl });
    }
    this.countFileReads(fb, reads, bytes);
    return { views };
  }

  private countFileReads(fb: FramebufferFile, reads: number, bytes: number): void {
    this.stats.fileReads += fb.reads - reads;
    this.stats.filePixels += (fb.bytesRead - bytes) >> 2;
  }

  /** Searches each box read (its pixels in `views`) against the frame; the rest of `rects` is returned. */
  private searchRead(f: SourceFrame, big: readonly SourceRect[], views: readonly PixelView[], rest: SourceRect[], opts: ScrollOptions, firstSeq: number): SourceRect[] {
    // A capture that asked for pixels after us wrote newer ones than ours there: don't put ours over them.
    const raced = (b: SourceRect) => this.capturedDropped >= firstSeq || this.captured.some((c) => c.seq >= firstSeq && overlaps(c.area, b));
    for (let i = 0; i < big.length; i++) {
      if (raced(big[i]!)) { this.stats.raced++; rest.push(big[i]!); continue; }
      this.fresh.add(searchBox(f, big[i]!, views[i]!, this.searchSink, opts, this.stats, this.rowHashes, this.solids));
    }
    return rest;
  }

}
