/**
 * The demo display source (`spice-ts serve`, `npm start`): a small animated desktop drawn
 * in TypeScript. A title bar, a large clock, a plasma "photo" (exercises the photo/QUIC
 * paths), a text box showing what the viewer types (US layout), a fading pointer trail with
 * rings for clicks, a help line and the clipboard text.
 *
 * The picture is a function of the model (clock text, typed text, trail, frame number), and
 * any rectangle can be repainted from it: a change marks rectangles dirty, `flush` repaints
 * them and reports exactly those as damage. The text box scrolls with `sink.move`.
 * No Node-only API: it runs in a browser too.
 */
import { Damage, toRect, type Box } from '../display/damage.js';
import type {
  DisplaySource, KeyEvent, PointerEvent, SourceCursor, SourceFrame, SourceRect, SourceSink,
} from '../source.js';
import { ErrorCode, SpiceError } from '../../protocol/errors.js';
import { box, drawText, fill, frameRect, overlaps, type Canvas } from './demo-draw.js';
import { CELL_H, CELL_W, printable } from './demo-font.js';
import { arrowCursor } from './demo-cursor.js';
import { DemoKeyboard } from './demo-keys.js';
import { layoutFor, sizeText, type DemoLayout } from './demo-layout.js';
import { Plasma } from './demo-plasma.js';
import { Trail } from './demo-trail.js';
import { TypedText } from './demo-text.js';

export interface DemoOptions {
  /** Screen size; default 1024x768, each clamped to the sizes resizeRequest accepts. */
  width?: number;
  height?: number;
  /** Animation steps a second (plasma, trail fading, clock checks); default 15, 1..60. */
  fps?: number;
  /** Where the time comes from; default the system clock. */
  clock?: () => Date;
  /** false: no timers at all, pixels change only on input (for tests). Default true. */
  animate?: boolean;
  /** Pointer positions kept in the trail; default 24, 1..256. */
  trail?: number;
}

/** The demo source, with a few extras for tests and embedding. */
export interface DemoSource extends DisplaySource {
  /** What the viewer typed (after Backspace and Ctrl+L), '\n' for Enter. */
  typedText(): string;
  /** The clipboard text the demo shows (last set by a viewer or setSourceClipboard), or null. */
  clipboardText(): string | null;
  /** Puts text on the source's clipboard: shown on screen and offered to viewers. */
  setSourceClipboard(text: string | null): void;
  /** One animation step, as the timer would do it (tests with animate: false). */
  step(): void;
  /**
   * The whole picture painted afresh from the current state into a new buffer, the frame
   * untouched. frame() always equals it (tests use it to find rectangles left stale).
   */
  renderModel(): SourceFrame;
}

export const DEMO_MIN_WIDTH = 320;
export const DEMO_MIN_HEIGHT = 240;
export const DEMO_MAX_SIZE = 4096;

const COLORS = {
  desktop: 0xff1e2430,
  title: 0xff2b5797,
  titleText: 0xffffffff,
  titleDim: 0xffa9c1e8,
  panel: 0xff101418,
  panelBorder: 0xff44505e,
  clock: 0xff7cfc9a,
  date: 0xff9aa7b4,
  paper: 0xfff4f1e8,
  ink: 0xff202020,
  label: 0xff6a7580,
  caret: 0xff2b5797,
  bar: 0xff2a303c,
  help: 0xffb0c4de,
  clip: 0xffffd27f,
} as const;
const HELP = 'Type in the box, click anywhere. Ctrl+C/Ctrl+V: clipboard, Ctrl+L: clear.';
const HELP_SHORT = 'Type in the box, click anywhere.';
const TITLE = 'spice-ts demo';
/** Ctrl+V types at most this much of the clipboard. */
const MAX_PASTE = 4096;

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;

const two = (n: number) => String(n).padStart(2, '0');

function clampSize(v: number | undefined, def: number, min: number): number {
  if (v === undefined || !Number.isFinite(v)) return def;
  return Math.max(min, Math.min(DEMO_MAX_SIZE, Math.round(v)));
}

class Demo implements DemoSource {
  readonly name = 'demo';
  private readonly clock: () => Date;
  private readonly animate: boolean;
  private readonly fps: number;
  private readonly cursorShape: SourceCursor = arrowCursor();
  private sink: SourceSink | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private stopped = false;

  private canvas!: SourceFrame;
  private lay!: DemoLayout;
  private plasma!: Plasma;
  // Merge only rectangles whose union adds (almost) nothing: damage stays what really changed.
  private readonly dirty = new Damage(48, 1.05);
  private steps = 0;

  private clockText = '';
  private dateText = '';
  private clip: string | null = null;
  private clipLine = '';
  /** Clock and date as painted (the model's may be newer until the next flush). */
  private shownClock = '';
  private shownDate = '';
  private readonly typed: TypedText;
  /** What the text box shows now: row number of its top row, each row's text (null: repaint), caret. */
  private shownTop = 0;
  private shownRows: (string | null)[] = [];
  private shownCaret = { row: -1, col: -1 };

  private readonly trail: Trail;
  private readonly keyboard = new DemoKeyboard();

  constructor(opts: DemoOptions) {
    this.clock = opts.clock ?? (() => new Date());
    this.animate = opts.animate ?? true;
    this.fps = Math.max(1, Math.min(60, Math.round(opts.fps ?? 15)));
    this.trail = new Trail(Math.max(1, Math.min(256, Math.round(opts.trail ?? 24))), this.animate ? this.fps : 0);
    this.typed = new TypedText(1);
    this.readClock();
    this.setup(clampSize(opts.width, 1024, DEMO_MIN_WIDTH), clampSize(opts.height, 768, DEMO_MIN_HEIGHT));
  }

  // ------------------------------------------------------------------ DisplaySource

  async start(sink: SourceSink): Promise<void> {
    if (this.stopped) throw new SpiceError(ErrorCode.CLOSED, 'demo source: started after stop()');
    this.sink = sink;
    sink.cursor(this.cursorShape);
    if (this.animate && !this.timer) {
      this.timer = setInterval(() => {
        try {
          this.step();
        } catch (e) {
          this.clearTimer();
          sink.error(e instanceof Error ? e : new Error(String(e)));
        }
      }, 1000 / this.fps);
    }
  }

  frame(): SourceFrame {
    return this.canvas;
  }

  cursor(): SourceCursor | null {
    return this.cursorShape;
  }

  key(ev: KeyEvent): void {
    if (this.stopped) return;
    const a = this.keyboard.feed(ev);
    if (!a) return;
    switch (a.kind) {
      case 'type': this.typeText(a.text); break;
      case 'tab': this.typeText(' '.repeat(4 - (this.typed.caretCol % 4))); break;
      case 'backspace': if (this.typed.backspace()) this.syncText(); break;
      case 'clear': this.typed.clear(); this.syncText(); break;
      case 'copy': this.setSourceClipboard(this.typed.value); break;
      case 'paste': if (this.clip) this.typeText(this.clip.slice(0, MAX_PASTE)); break;
    }
  }

  pointer(ev: PointerEvent): void {
    if (this.stopped || !Number.isFinite(ev.x) || !Number.isFinite(ev.y)) return;
    const x = Math.max(0, Math.min(this.canvas.width - 1, Math.round(ev.x)));
    const y = Math.max(0, Math.min(this.canvas.height - 1, Math.round(ev.y)));
    // Every mark's look depends on its place in the lists: repaint all of them, before and after.
    const before = this.trail.boxes();
    if (!this.trail.pointer(x, y, ev.buttons | 0, this.steps)) return;
    for (const b of before) this.markDirty(b);
    this.dirtyMarks();
    this.flush();
  }

  resizeRequest(width: number, height: number): void {
    if (this.stopped) return;
    if (!Number.isInteger(width) || !Number.isInteger(height)) return;
    if (width < DEMO_MIN_WIDTH || width > DEMO_MAX_SIZE || height < DEMO_MIN_HEIGHT || height > DEMO_MAX_SIZE) return;
    if (width === this.canvas.width && height === this.canvas.height) return;
    this.setup(width, height);
    this.sink?.resized(width, height);
    this.sink?.damage([{ x: 0, y: 0, width, height }]);
  }

  setClipboard(text: string): void {
    if (this.stopped) return;
    this.clip = text;
    this.syncClipLine();
    this.flush();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.clearTimer();
    this.sink = undefined;
  }

  // ------------------------------------------------------------------ extras

  typedText(): string {
    return this.typed.value;
  }

  clipboardText(): string | null {
    return this.clip;
  }

  setSourceClipboard(text: string | null): void {
    if (this.stopped) return;
    this.clip = text;
    this.syncClipLine();
    this.flush();
    this.sink?.clipboard?.(text);
  }

  step(): void {
    if (this.stopped) return;
    this.steps++;
    this.plasma.setFrame(this.steps);
    this.markDirty(this.plasma.area);
    this.readClock();
    this.syncLabels();
    if (!this.trail.empty) {
      this.dirtyMarks();
      this.trail.age(this.steps);
    }
    this.flush();
  }

  renderModel(): SourceFrame {
    const { width, height } = this.canvas;
    const out = { width, height, stride: width, pixels: new Uint32Array(width * height) };
    this.paint(box(0, 0, width, height), out);
    return out;
  }

  // ------------------------------------------------------------------ model -> dirty rectangles

  private clearTimer(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** (Re)builds everything for a screen size and paints the whole frame. */
  private setup(width: number, height: number): void {
    this.canvas = { width, height, stride: width, pixels: new Uint32Array(width * height) };
    this.lay = layoutFor(width, height);
    this.plasma = new Plasma(this.lay.plasma);
    this.plasma.setFrame(this.steps);
    this.typed.setCols(this.lay.cols);
    this.trail.clear();
    this.clipLine = this.clipboardLine();
    this.shownClock = this.clockText;
    this.shownDate = this.dateText;
    const view = this.textView();
    this.shownTop = view.top;
    this.shownRows = view.rows;
    this.shownCaret = { row: view.caretRow, col: view.caretCol };
    this.dirty.clear();
    this.paint(box(0, 0, width, height));
  }

  private readClock(): void {
    const d = this.clock();
    const ok = !Number.isNaN(d.getTime());
    this.clockText = ok ? `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}` : '--:--:--';
    this.dateText = ok
      ? `${WEEKDAYS[d.getDay()]} ${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}` : '';
  }

  private bounds(): Box {
    return box(0, 0, this.canvas.width, this.canvas.height);
  }

  private markDirty(b: Box): void {
    if (b.x1 > b.x0 && b.y1 > b.y0) this.dirty.add(b, this.bounds());
  }

  /** Marks the cells where a one-line text at (x, y) differs between `before` and `after`. */
  private dirtyTextChange(x: number, y: number, scale: number, before: string, after: string): void {
    const n = Math.max(before.length, after.length);
    let a = 0;
    while (a < n && before[a] === after[a]) a++;
    if (a === n) return;
    let e = n;
    while (e > a && before[e - 1] === after[e - 1]) e--;
    const cw = CELL_W * scale;
    this.markDirty(box(x + a * cw, y, (e - a) * cw, CELL_H * scale));
  }

  private syncLabels(): void {
    const l = this.lay;
    this.dirtyTextChange(l.clockX, l.clockY, l.clockScale, this.shownClock, this.clockText);
    this.dirtyTextChange(l.dateX, l.dateY, l.scale, this.shownDate, this.dateText);
    this.shownClock = this.clockText;
    this.shownDate = this.dateText;
  }

  private clipboardLine(): string {
    const max = this.lay.lineChars;
    const line = `clipboard: ${this.clip === null ? '(empty)' : printable(this.clip)}`;
    return line.length <= max ? line : `${line.slice(0, max - 3)}...`;
  }

  private syncClipLine(): void {
    const next = this.clipboardLine();
    this.dirtyTextChange(this.lay.clipX, this.lay.clipY, this.lay.scale, this.clipLine, next);
    this.clipLine = next;
  }

  private dirtyMarks(): void {
    for (const b of this.trail.boxes()) this.markDirty(b);
  }

  private typeText(s: string): void {
    let clean = '';
    for (const ch of s.replace(/\r\n?/g, '\n')) {
      const c = ch.charCodeAt(0);
      if (ch === '\n' || (c >= 32 && c <= 126)) clean += ch;
      else if (ch === '\t') clean += ' ';
    }
    this.typed.append(clean);
    this.syncText();
  }

  /** The text box as it should look: row number of the top row, the visible rows, the caret. */
  private textView(): { top: number; rows: string[]; caretRow: number; caretCol: number } {
    const rows = this.typed.rows, v = this.lay.visibleRows;
    const first = Math.max(0, rows.length - v);
    const shown: string[] = [];
    for (let i = 0; i < v; i++) shown.push(rows[first + i] ?? '');
    return { top: this.typed.dropped + first, rows: shown, caretRow: rows.length - 1 - first, caretCol: this.typed.caretCol };
  }

  private rowBox(row: number, fromCol: number, toCol: number): Box {
    const l = this.lay;
    return box(l.rowsX + fromCol * l.cellW, l.rowsY + row * l.rowH, (toCol - fromCol) * l.cellW, l.rowH);
  }

  /** Brings the text box on screen up to date with the typed text: scroll, then changed cells. */
  private syncText(): void {
    const l = this.lay, v = l.visibleRows;
    const view = this.textView();
    const d = view.top - this.shownTop;
    if (d !== 0) {
      if (Math.abs(d) < v && this.sink?.move) this.scrollRows(d);
      else this.shownRows = this.shownRows.map(() => null);
      this.shownTop = view.top;
    }
    for (let i = 0; i < v; i++) {
      const before = this.shownRows[i], after = view.rows[i]!;
      if (before === null || before === undefined) {
        this.markDirty(this.rowBox(i, 0, l.cols + 1));
      } else {
        const n = Math.max(before.length, after.length);
        let a = 0;
        while (a < n && before[a] === after[a]) a++;
        if (a < n) this.markDirty(this.rowBox(i, a, n));
      }
    }
    const oc = this.shownCaret;
    if (oc.row !== view.caretRow || oc.col !== view.caretCol) {
      if (oc.row >= 0 && oc.row < v) this.markDirty(this.rowBox(oc.row, oc.col, oc.col + 1));
      this.markDirty(this.rowBox(view.caretRow, view.caretCol, view.caretCol + 1));
    }
    this.shownRows = view.rows;
    this.shownCaret = { row: view.caretRow, col: view.caretCol };
    this.flush();
  }

  /**
   * Scrolls the text rows by `d` rows (positive: content moves up) in the frame, tells the
   * sink, and marks what the copy got wrong: the rows it uncovered and the trail marks, which
   * do not scroll with the text.
   */
  private scrollRows(d: number): void {
    this.flush(); // nothing reported may be left unpainted under the copy
    const l = this.lay, v = l.visibleRows;
    const w = (l.cols + 1) * l.cellW;
    const n = v - Math.abs(d);
    const srcRow = d > 0 ? d : 0, dstRow = d > 0 ? 0 : -d;
    const src: SourceRect = { x: l.rowsX, y: l.rowsY + srcRow * l.rowH, width: w, height: n * l.rowH };
    const dstY = l.rowsY + dstRow * l.rowH;
    const { pixels: p, stride } = this.canvas;
    const dy = dstY - src.y;
    if (dy < 0) {
      for (let y = 0; y < src.height; y++) p.copyWithin((dstY + y) * stride + src.x, (src.y + y) * stride + src.x, (src.y + y) * stride + src.x + w);
    } else {
      for (let y = src.height - 1; y >= 0; y--) p.copyWithin((dstY + y) * stride + src.x, (src.y + y) * stride + src.x, (src.y + y) * stride + src.x + w);
    }
    this.sink!.move!(src, src.x, dstY);
    const srcBox: Box = { x0: src.x, y0: src.y, x1: src.x + w, y1: src.y + src.height };
    const dstBox: Box = { x0: src.x, y0: dstY, x1: src.x + w, y1: dstY + src.height };
    for (const m of this.trail.boxes()) {
      if (overlaps(m, srcBox)) this.markDirty(clipTo({ x0: m.x0, y0: m.y0 + dy, x1: m.x1, y1: m.y1 + dy }, dstBox));
      if (overlaps(m, dstBox)) this.markDirty(clipTo(m, dstBox));
    }
    const rows: (string | null)[] = new Array<string | null>(v).fill(null);
    for (let i = 0; i < v; i++) {
      const from = i + d;
      if (from >= 0 && from < v) rows[i] = this.shownRows[from] ?? null;
    }
    this.shownRows = rows;
    const cr = this.shownCaret.row - d;
    this.shownCaret = cr >= 0 && cr < v ? { row: cr, col: this.shownCaret.col } : { row: -1, col: -1 };
  }

  /** Repaints the dirty rectangles and reports them. */
  private flush(): void {
    if (this.dirty.empty) return;
    const boxes = this.dirty.take();
    for (const b of boxes) this.paint(b);
    this.sink?.damage(boxes.map(toRect));
  }

  // ------------------------------------------------------------------ painting

  /** Paints everything inside `clip` from the model (into `c`, by default the frame). */
  private paint(clip: Box, c: Canvas = this.canvas): void {
    const l = this.lay, s = l.scale;
    fill(c, clip, clip, COLORS.desktop);

    if (overlaps(clip, l.title)) {
      fill(c, clip, l.title, COLORS.title);
      drawText(c, clip, l.titleTextX, l.titleTextY, TITLE, s, COLORS.titleText);
      drawText(c, clip, l.sizeTextX, l.titleTextY, sizeText(l.width, l.height), s, COLORS.titleDim);
    }
    if (overlaps(clip, l.clockPanel)) {
      fill(c, clip, l.clockPanel, COLORS.panel);
      frameRect(c, clip, l.clockPanel, COLORS.panelBorder);
      drawText(c, clip, l.clockX, l.clockY, this.shownClock, l.clockScale, COLORS.clock);
      drawText(c, clip, l.dateX, l.dateY, this.shownDate, s, COLORS.date);
    }
    if (overlaps(clip, l.plasmaPanel)) {
      fill(c, clip, l.plasmaPanel, COLORS.panel);
      frameRect(c, clip, l.plasmaPanel, COLORS.panelBorder);
      this.plasma.paint(c, clip);
    }
    if (overlaps(clip, l.textBox)) this.paintTextBox(c, clip);
    if (overlaps(clip, l.bottom)) {
      fill(c, clip, l.bottom, COLORS.bar);
      drawText(c, clip, l.helpX, l.helpY, (HELP.length <= l.lineChars ? HELP : HELP_SHORT).slice(0, l.lineChars), s, COLORS.help);
      drawText(c, clip, l.clipX, l.clipY, this.clipLine, s, COLORS.clip);
    }
    this.trail.paint(c, clip, this.steps);
  }

  private paintTextBox(c: Canvas, clip: Box): void {
    const l = this.lay, s = l.scale;
    fill(c, clip, l.textBox, COLORS.paper);
    frameRect(c, clip, l.textBox, COLORS.panelBorder);
    drawText(c, clip, l.labelX, l.labelY, 'Type here:', s, COLORS.label);
    const first = Math.max(0, Math.floor((clip.y0 - l.rowsY) / l.rowH));
    const last = Math.min(l.visibleRows, Math.ceil((clip.y1 - l.rowsY) / l.rowH));
    const textDy = Math.floor((l.rowH - CELL_H * s) / 2);
    for (let i = first; i < last; i++) {
      const row = this.shownRows[i];
      if (row) drawText(c, clip, l.rowsX, l.rowsY + i * l.rowH + textDy, row, s, COLORS.ink);
    }
    const cr = this.shownCaret;
    if (cr.row >= 0 && cr.row < l.visibleRows) {
      fill(c, clip, box(l.rowsX + cr.col * l.cellW, l.rowsY + cr.row * l.rowH + s, 2 * s, l.rowH - 2 * s), COLORS.caret);
    }
  }
}

function clipTo(a: Box, b: Box): Box {
  return { x0: Math.max(a.x0, b.x0), y0: Math.max(a.y0, b.y0), x1: Math.min(a.x1, b.x1), y1: Math.min(a.y1, b.y1) };
}

/** The demo source (see the file header); `npm start` serves it. */
export function createDemoSource(opts: DemoOptions = {}): DemoSource {
  return new Demo(opts);
}
