/**
 * The `x11:DISPLAY` display source: exports a running X server (Xvfb, Xorg)
 * to SPICE viewers. Pixels come from GetImage on the root window, changes
 * from DAMAGE, the cursor from XFIXES, input goes in through XTEST (input.ts),
 * screen size changes through RandR, and the CLIPBOARD selection both ways.
 * Where the pointer is comes from XInput 2 raw motion (pointer.ts), so an idle
 * display costs nothing.
 *
 * Damage: by default the damage object reports NonEmpty; on each notify we
 * DamageSubtract everything into an XFIXES region and fetch its rectangles
 * (one round trip, non-overlapping rectangles, nothing lost while waiting).
 * `damage: 'raw'` instead takes one event per drawn rectangle.
 *
 * Pixels are read back by read-back.ts: the server's captures, and the scroll
 * search's read-ahead, which reads a large damage rectangle before it is reported,
 * compares it with what the frame held and reports a shift as a move (COPY_BITS),
 * a rectangle of one colour as a fill, and only the rest as damage.
 */
import { ErrorCode, SpiceError, toSpiceError } from '../../../protocol/errors.js';
import type { DisplaySource, KeyEvent, PointerEvent, SourceCursor, SourceFrame, SourceRect, SourceSink } from '../../source.js';
import { X11Connection, X11RequestError, type X11ConnectOptions } from './connection.js';
import {
  Ev, EventMask, encodeCreateInputOnlyWindow, encodeGetGeometry, encodeSelectEvents, findVisual, parseConfigureNotify, parseGetGeometry,
} from './protocol.js';
import {
  DamageLevel, XFixesMask, encodeCreateRegion, encodeDamageCreate, encodeDamageSubtract, encodeFetchRegion,
  encodeGetCursorImage, encodeQueryVersion, encodeSelectCursorInput, encodeSelectSelectionInput,
  encodeXTestGetVersion, parseDamageNotify, parseFetchRegion, parseGetCursorImage, type Rect,
} from './extensions.js';
import { supportedFormat, unpremultiply, type PixelFormat } from './pixels.js';
import { X11Clipboard } from './clipboard.js';
import { randrResize } from './resize.js';
import { coalesceRects, type CoalesceOptions } from './rects.js';
import { PointerWatch } from './pointer.js';
import { XTestInput } from './input.js';
import type { ScrollOptions } from './scroll.js';
import { newScrollStats, type ScrollStats } from './scroll-box.js';
import { X11ReadBack } from './read-back.js';
import { findXvfbFramebuffer, verifiedFramebuffer } from './framebuffer-file.js';

export interface X11SourceOptions extends X11ConnectOptions {
  /** How DAMAGE reports changes: 'region' (default) or 'raw' (see the file header). */
  damage?: 'region' | 'raw';
  /** Largest GetImage reply in bytes (default 1 MiB); larger rectangles are read in bands of rows. */
  maxImageBytes?: number;
  /**
   * Follow the pointer through XInput 2 raw motion events (default true): the position is
   * asked for when the pointer moved, at most once per `pointerMinIntervalMs`.
   */
  pointerEvents?: boolean;
  /** Shortest gap between two pointer queries while it moves, ms (default 10). */
  pointerMinIntervalMs?: number;
  /**
   * Poll the pointer every this many ms (0: never). Default 50, only where no event tells:
   * without XInput 2, or while a viewer is shown the position (server mouse mode: warps
   * raise no raw motion). Given explicitly: polled always.
   */
  pointerPollMs?: number;
  /** Share the CLIPBOARD selection (default true). */
  clipboard?: boolean;
  /** Largest clipboard text, bytes (default 16 MiB). */
  clipboardMaxBytes?: number;
  /**
   * Merge damage rectangles before reporting them (default { slack: 512, maxRects: 128 }):
   * thousands of tiny pieces cost a GetImage and an image each. false: report X's rectangles as they are.
   */
  coalesce?: CoalesceOptions | false;
  /**
   * Look for scrolls in large damage rectangles and send them as moves (COPY_BITS),
   * region damage mode only (default: on, with scroll.ts's defaults). false: off.
   */
  scroll?: ScrollOptions | false;
  /** Largest screen accepted, in pixels per side (default 8192). */
  maxSide?: number;
  /**
   * Read pixels from an Xvfb's framebuffer file (Xvfb -fbdir DIR keeps screen N in
   * DIR/Xvfb_screenN) instead of asking with GetImage: no round trip, and the X server
   * does no work for it. Default: the file of the display's Xvfb when it runs with -fbdir
   * (found through /proc); a path: that file; false: never. A file is used only once it
   * holds what GetImage returns, and dropped for GetImage when the screen is resized.
   */
  framebuffer?: string | false;
  /** Run the scroll search and pixel copies once on made-up pictures at start (x11/warm-up.ts; default true). */
  warmUp?: boolean;
  /** Diagnostics (default: none). */
  log?: (msg: string) => void;
}

interface Ext { majorOpcode: number; firstEvent: number }

export type { ScrollStats as X11ScrollStats } from './scroll-box.js';
export { formatScrollStats } from './scroll-box.js';

export interface X11DisplaySource extends DisplaySource {
  readonly scrollStats: ScrollStats;
  /** The framebuffer file pixels are read from, if any (X11SourceOptions.framebuffer). */
  readonly framebufferFile: string | undefined;
}

export function createX11Source(display: string, opts: X11SourceOptions = {}): X11DisplaySource {
  return new X11Source(display, opts);
}

class X11Source implements X11DisplaySource {
  readonly name: string;
  readonly scrollStats = newScrollStats();
  private conn?: X11Connection;
  private sink?: SourceSink;
  private fmt!: PixelFormat;
  private root = 0;
  private fr: SourceFrame = { width: 0, height: 0, pixels: new Uint32Array(0), stride: 0 };
  private damageExt!: Ext;
  private xfixes!: Ext;
  private xtest?: Ext;
  private randr?: Ext;
  private pointerWatch?: PointerWatch;
  private damage = 0;
  private firstCaptureSeq = Infinity;
  private early: SourceRect[] = [];
  private region = 0;
  private fetching = false;
  private dirty = false;
  private rawBatch: SourceRect[] = [];
  private cur: SourceCursor | null = null;
  private cursorSerial = -1;
  private cursorBusy = false;
  private cursorAgain = false;
  private cursorRetries = 0;
  private clip?: X11Clipboard;
  private input?: XTestInput;
  private resizing = false;
  private resizeWanted?: { width: number; height: number };
  private stopped = false;
  private readonly log: (msg: string) => void;
  private readonly warned = new Set<string>();
  /** Captures and the scroll search's read-ahead (set up with the connection). */
  private reader?: X11ReadBack;

  constructor(private readonly display: string, private readonly opts: X11SourceOptions) {
    this.name = `x11:${display}`;
    this.log = opts.log ?? (() => {});
  }

  async start(sink: SourceSink): Promise<void> {
    // The largest reply we ask for: an image band (at least one row) or the clipboard text.
    const o = this.opts;
    const maxMessageBytes = o.maxMessageBytes ?? Math.max(o.maxImageBytes ?? 1 << 20, 4 * (o.maxSide ?? 8192), o.clipboardMaxBytes ?? 16 << 20) + (1 << 20);
    const conn = await X11Connection.connect(this.display, { ...o, maxMessageBytes });
    this.conn = conn;
    // Events from the start on: damage that comes while we set up is reported once started.
    conn.onEvent = (ev) => { try { this.onEvent(ev.code, ev.sequence, ev.bytes); } catch (e) { this.fatal(e); } };
    let setupError: unknown;
    conn.onError = (e) => { setupError ??= e; };
    try {
      await this.setUp(conn);
      await conn.sync(); // errors of the requests without replies arrive by now
      if (setupError) throw setupError;
    } catch (e) {
      this.stopped = true;
      conn.close();
      throw toSpiceError(e, ErrorCode.UNSUPPORTED);
    }
    this.sink = sink;
    conn.onError = (e) => this.fatal(e);
    conn.onClose = (err) => { if (err) this.fatal(err); };
    if (this.opts.warmUp ?? true) this.reader!.warmUp();
    if (this.early.length) this.report(this.early.splice(0));
    this.pointerWatch?.start();
  }

  pointerFollowed(followed: boolean): void {
    this.pointerWatch?.setFollowed(followed);
  }

  private async setUp(conn: X11Connection): Promise<void> {
    const s = conn.screen;
    this.root = s.root;
    const visual = findVisual(s, s.rootVisual);
    const pf = conn.setup.formats.find((f) => f.depth === s.rootDepth);
    if (!visual || !pf || visual.cls !== 4 && visual.cls !== 5) {
      throw new SpiceError(ErrorCode.UNSUPPORTED, `X display ${this.display}: root visual is not TrueColor/DirectColor (depth ${s.rootDepth})`);
    }
    this.fmt = { bitsPerPixel: pf.bitsPerPixel, scanlinePad: pf.scanlinePad, msbFirst: conn.setup.imageByteOrder === 1, redMask: visual.redMask, greenMask: visual.greenMask, blueMask: visual.blueMask };
    if (!supportedFormat(this.fmt)) throw new SpiceError(ErrorCode.UNSUPPORTED, `X display ${this.display}: ${pf.bitsPerPixel} bits per pixel is not supported`);
    this.reader = new X11ReadBack(conn, this.root, this.fmt, {
      current: () => (this.stopped ? undefined : this.fr),
      sink: () => this.sink,
      log: this.log,
    }, this.scrollStats, this.opts.maxImageBytes);
    const [damage, xfixes, xtest, randr, xinput] = await Promise.all(['DAMAGE', 'XFIXES', 'XTEST', 'RANDR', 'XInputExtension'].map((n) => conn.extension(n)));
    if (!damage!.present || !xfixes!.present) {
      throw new SpiceError(ErrorCode.UNSUPPORTED, `X display ${this.display} lacks the ${!damage!.present ? 'DAMAGE' : 'XFIXES'} extension`);
    }
    this.damageExt = damage!;
    this.xfixes = xfixes!;
    if (xtest!.present) this.xtest = xtest; else this.log('x11: no XTEST extension: viewer input is ignored');
    if (randr!.present) this.randr = randr; else this.log('x11: no RandR extension: resize requests are ignored');
    // XFIXES first: DAMAGE builds on its regions.
    await conn.request(encodeQueryVersion(this.xfixes.majorOpcode, 5, 0), 'XFixesQueryVersion');
    const versions: Promise<unknown>[] = [conn.request(encodeQueryVersion(this.damageExt.majorOpcode, 1, 1), 'DamageQueryVersion')];
    if (this.xtest) versions.push(conn.request(encodeXTestGetVersion(this.xtest.majorOpcode), 'XTestGetVersion'));
    if (this.randr) versions.push(conn.request(encodeQueryVersion(this.randr.majorOpcode, 1, 3), 'RRQueryVersion'));
    const o = this.opts;
    this.pointerWatch = new PointerWatch(conn, this.root, { events: o.pointerEvents, minIntervalMs: o.pointerMinIntervalMs, pollMs: o.pointerPollMs },
      (x, y) => this.sink?.pointer(x, y), (e) => this.fatal(e), this.log);
    versions.push(this.pointerWatch.select(xinput!.present ? xinput!.majorOpcode : 0));
    if (this.xtest) this.input = new XTestInput(conn, this.xtest.majorOpcode, this.root, this.pointerWatch, (k, m) => this.warnOnce(k, m));
    await Promise.all(versions);

    const win = conn.allocId();
    conn.send(encodeCreateInputOnlyWindow(win, this.root, EventMask.PropertyChange));
    conn.send(encodeSelectEvents(this.root, EventMask.StructureNotify));
    const raw = this.opts.damage === 'raw';
    if (!raw) {
      this.region = conn.allocId();
      conn.send(encodeCreateRegion(this.xfixes.majorOpcode, this.region));
    }
    this.damage = conn.allocId();
    conn.send(encodeDamageCreate(this.damageExt.majorOpcode, this.damage, this.root, raw ? DamageLevel.RawRectangles : DamageLevel.NonEmpty));
    // DamageCreate damages the whole window; the first capture below reads it all anyway.
    if (!raw) conn.send(encodeDamageSubtract(this.damageExt.majorOpcode, this.damage, 0, 0));
    conn.send(encodeSelectCursorInput(this.xfixes.majorOpcode, this.root, XFixesMask.DisplayCursor));
    if (this.opts.clipboard ?? true) {
      this.clip = new X11Clipboard(conn, win, (t) => this.sink?.clipboard?.(t), { maxBytes: this.opts.clipboardMaxBytes, log: this.log });
      await this.clip.init();
      const m = XFixesMask.SetSelectionOwner | XFixesMask.SelectionWindowDestroy | XFixesMask.SelectionClientClose;
      conn.send(encodeSelectSelectionInput(this.xfixes.majorOpcode, win, this.clip.selectionAtom, m));
    }
    const g = parseGetGeometry(await conn.request(encodeGetGeometry(this.root), 'GetGeometry'));
    this.newFrame(g.width, g.height);
    // Raw damage events sent before the server reads the frame for us are covered by that read.
    this.firstCaptureSeq = conn.lastSequence + 1;
    await Promise.all([this.capture([{ x: 0, y: 0, width: g.width, height: g.height }]), this.updateCursor(false)]);
    await this.attachFramebuffer();
  }

  /** Reads pixels from the framebuffer file from now on (options.framebuffer), once it holds the screen. */
  private async attachFramebuffer(): Promise<void> {
    const o = this.opts.framebuffer;
    if (o === false) return;
    const path = o ?? findXvfbFramebuffer(this.display);
    if (!path) return;
    const { width, height } = this.fr;
    const fb = await verifiedFramebuffer(path, width, height, {
      pixels: () => (this.stopped || this.fr.width !== width || this.fr.height !== height ? undefined : this.fr.pixels),
      recapture: () => this.capture([{ x: 0, y: 0, width, height }]),
      log: this.log,
    });
    if (fb) this.reader!.useFramebuffer(fb);
  }

  /** The framebuffer file pixels are read from, if any (see options.framebuffer). */
  get framebufferFile(): string | undefined {
    return this.reader?.framebufferPath;
  }

  private newFrame(width: number, height: number): void {
    const max = this.opts.maxSide ?? 8192;
    if (width > max || height > max) throw new SpiceError(ErrorCode.LIMIT, `X screen ${width}x${height} is over the ${max}-pixel limit`);
    this.fr = { width, height, pixels: new Uint32Array(width * height), stride: width };
    this.reader?.reset();
  }

  frame(): SourceFrame {
    return this.fr;
  }

  solidColour(b: { x0: number; y0: number; x1: number; y1: number }): number {
    return this.reader?.solids.colourOf(b.x0, b.y0, b.x1, b.y1) ?? -1;
  }

  cursor(): SourceCursor | null {
    return this.cur;
  }

  /** Reads the rectangles from the root window into the frame (clipped; big ones in bands). */
  async capture(rects: SourceRect[]): Promise<void> {
    if (!this.conn || this.stopped) return;
    await this.reader?.capture(rects);
  }

  private onEvent(code: number, seq: number, b: Uint8Array): void {
    if (this.stopped) return;
    if (!this.damageExt || !this.xfixes) return; // nothing is selected before both are known
    if (code === this.damageExt.firstEvent) return this.onDamage(seq, b);
    if (code === this.xfixes.firstEvent + 1) { void this.updateCursor(true); return; }
    if (code === this.xfixes.firstEvent) { this.clip?.handleOwnerChange(b); return; }
    if (code === Ev.GenericEvent && this.pointerWatch?.onGenericEvent(b)) return;
    if (code === Ev.ConfigureNotify) {
      const c = parseConfigureNotify(b);
      if (c.window === this.root && (c.width !== this.fr.width || c.height !== this.fr.height)) this.onResized(c.width, c.height);
      return;
    }
    this.clip?.handleEvent(code, b);
  }

  private onDamage(seq: number, b: Uint8Array): void {
    if (this.opts.damage === 'raw') {
      if (seq < this.firstCaptureSeq) return;
      const a = parseDamageNotify(b).area;
      if (this.rawBatch.push({ x: a.x, y: a.y, width: a.width, height: a.height }) === 1 && !this.fetching) {
        setImmediate(() => void this.deliverRaw());
      }
      return;
    }
    if (this.fetching) { this.dirty = true; return; }
    void this.fetchDamage();
  }

  /** Moves the damage into our region and reports its rectangles; again while new damage came meanwhile. */
  private async fetchDamage(): Promise<void> {
    const conn = this.conn!;
    this.fetching = true;
    try {
      do {
        this.dirty = false;
        conn.send(encodeDamageSubtract(this.damageExt.majorOpcode, this.damage, 0, this.region));
        const { rects } = parseFetchRegion(await conn.request(encodeFetchRegion(this.xfixes.majorOpcode, this.region), 'XFixesFetchRegion'));
        if (this.stopped) return;
        const out = rects.filter((r: Rect) => r.width > 0 && r.height > 0);
        if (out.length) await this.deliver(out);
      } while (this.dirty && !this.stopped);
    } catch (e) {
      this.fatal(e);
    } finally {
      this.fetching = false;
    }
  }

  /** Delivers the raw rectangles gathered (searching them like region damage), one batch at a time. */
  private async deliverRaw(): Promise<void> {
    if (this.fetching) return;
    this.fetching = true;
    try {
      while (this.rawBatch.length && !this.stopped) {
        const batch = this.rawBatch;
        this.rawBatch = [];
        await this.deliver(batch.filter((r) => r.width > 0 && r.height > 0));
      }
    } catch (e) {
      this.fatal(e);
    } finally {
      this.fetching = false;
    }
  }

  private report(rects: SourceRect[]): void {
    if (!this.sink) { this.early.push(...rects); return; }
    const c = this.opts.coalesce;
    this.damaged(c === false ? rects : coalesceRects(rects, c));
  }

  /** Reports damage; what was read ahead there is no longer current. */
  private damaged(rects: SourceRect[]): void {
    if (!rects.length) return;
    this.reader!.invalidate(rects);
    this.sink!.damage(rects);
  }

  /**
   * Reports region damage, searching the large rectangles for scrolls first: they are read
   * now, compared with the frame, written into it, and reported as a move plus what else changed.
   */
  private async deliver(raw: SourceRect[]): Promise<void> {
    const sc = this.opts.scroll;
    const c = this.opts.coalesce;
    const rects = c === false ? raw : coalesceRects(raw, c);
    const sink = this.sink;
    if (!sink) { this.early.push(...rects); return; }
    const move = sink.move;
    if (sc === false || !move) { this.damaged(rects); return; }
    const rest = await this.reader!.searchAhead(rects, sc ?? {});
    if (rest) this.damaged(rest);
  }

  private onResized(width: number, height: number): void {
    try {
      this.newFrame(width, height);
    } catch (e) {
      this.fatal(e);
      return;
    }
    this.sink?.resized(width, height);
    this.sink?.damage([{ x: 0, y: 0, width, height }]);
  }

  private async updateCursor(report: boolean): Promise<void> {
    if (this.cursorBusy) { this.cursorAgain = true; return; }
    this.cursorBusy = true;
    try {
      do {
        this.cursorAgain = false;
        const c = parseGetCursorImage(await this.conn!.request(encodeGetCursorImage(this.xfixes.majorOpcode), 'XFixesGetCursorImage'));
        if (this.stopped) return;
        this.cursorRetries = 0;
        if (c.serial === this.cursorSerial) continue;
        this.cursorSerial = c.serial;
        this.cur = c.width && c.height
          ? { width: c.width, height: c.height, hotX: Math.min(c.xhot, c.width - 1), hotY: Math.min(c.yhot, c.height - 1), pixels: unpremultiply(c.argb) }
          : null;
        if (report) this.sink?.cursor(this.cur);
      } while (this.cursorAgain && !this.stopped);
    } catch (e) {
      // With the SECURITY extension (Xvfb, Xorg) the server refuses (BadAccess) the image of
      // a cursor whose creator has disconnected (e.g. after `xsetroot -cursor_name`): keep
      // the last shape. Ask again once in case the refusal was transient.
      if (e instanceof X11RequestError) {
        this.warnOnce(`cursor ${e.x.code}`, `x11: cannot read the cursor image: ${e.message}`);
        if (report && this.cursorRetries++ < 1) setTimeout(() => { if (!this.stopped) void this.updateCursor(true); }, 100).unref?.();
      } else if (report) this.fatal(e);
      else throw e;
    } finally {
      this.cursorBusy = false;
    }
  }

  key(ev: KeyEvent): void {
    if (this.canInput()) this.input!.key(ev);
  }

  pointer(ev: PointerEvent): void {
    if (this.canInput()) this.input!.pointer(ev, this.fr.width, this.fr.height);
  }

  private canInput(): boolean {
    if (this.stopped || !this.conn || this.conn.isClosed || !this.pointerWatch) return false;
    if (!this.input) { this.warnOnce('xtest', 'x11: no XTEST: input ignored'); return false; }
    return true;
  }

  resizeRequest(width: number, height: number): void {
    if (this.stopped || !this.conn) return;
    if (!this.randr) { this.warnOnce('randr', 'x11: no RandR: resize request ignored'); return; }
    if (!(width > 0 && height > 0)) return;
    this.resizeWanted = { width, height };
    if (!this.resizing) void this.runResizes();
  }

  /** Applies the latest wanted size, one RandR exchange at a time. */
  private async runResizes(): Promise<void> {
    this.resizing = true;
    try {
      while (this.resizeWanted && !this.stopped) {
        const { width, height } = this.resizeWanted;
        this.resizeWanted = undefined;
        try {
          const r = await randrResize(this.conn!, this.randr!.majorOpcode, this.root, this.fr, width, height);
          this.log(`x11: resize to ${width}x${height}: ${r.how}${r.clamped ? ` (clamped to ${r.width}x${r.height})` : ''}`);
        } catch (e) {
          if (this.conn!.isClosed) return;
          this.log(`x11: resize to ${width}x${height} failed: ${(e as Error).message}`);
        }
      }
    } finally {
      this.resizing = false;
    }
  }

  setClipboard(text: string): void {
    if (this.stopped || !this.clip || this.conn?.isClosed) return;
    try {
      this.clip.set(text);
    } catch (e) {
      this.log(`x11: clipboard: ${(e as Error).message}`);
    }
  }

  private warnOnce(key: string, msg: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.log(msg);
  }

  private fatal(e: unknown): void {
    if (this.stopped) return;
    this.stopped = true;
    this.shutdown();
    this.sink?.error(toSpiceError(e, ErrorCode.CLOSED));
  }

  private shutdown(): void {
    this.pointerWatch?.stop();
    this.reader?.dropFramebuffer();
    const conn = this.conn;
    if (conn && !conn.isClosed) {
      // Leave nothing held down in the X server.
      this.input?.releaseAll();
      conn.onClose = () => {};
      conn.close();
    }
  }

  async stop(): Promise<void> {
    if (this.stopped && (!this.conn || this.conn.isClosed)) return;
    this.stopped = true;
    this.shutdown();
  }
}
