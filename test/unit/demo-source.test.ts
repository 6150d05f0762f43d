/**
 * The demo display source: picture, typing, pointer trail, resize, clipboard, cursor,
 * animation timers, and above all that its damage (and moves) always describe every
 * changed pixel: a simulated viewer that only applies damage and moves must end up with
 * exactly the source's frame.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDemoSource, type DemoOptions, type DemoSource } from '../../src/server/sources/demo.js';
import { layoutFor } from '../../src/server/sources/demo-layout.js';
import { GLYPH_ROWS, glyphRow } from '../../src/server/sources/demo-font.js';
import { wrap } from '../../src/server/sources/demo-text.js';
import { looksPhotographic } from '../../src/server/display/classify.js';
import { usStrokeFor } from '../../src/client/input/layout-us.js';
import { makeCode } from '../../src/client/input/scancodes.js';
import type { KeyEvent, SourceCursor, SourceFrame, SourceRect, SourceSink } from '../../src/server/source.js';

const FIXED = () => new Date(2026, 10, 21, 12, 34, 56);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A sink that keeps the picture a viewer would have: the frame at start, then damage and moves
 * applied. After each call it checks picture == frame (every change was reported) and
 * frame == renderModel() (every change of state was painted).
 */
class ViewerSink implements SourceSink {
  pic: Uint32Array;
  width: number;
  height: number;
  damageCalls: SourceRect[][] = [];
  moves: { src: SourceRect; x: number; y: number }[] = [];
  resizes: [number, number][] = [];
  cursors: (SourceCursor | null)[] = [];
  clipboards: (string | null)[] = [];
  errors: Error[] = [];
  /** Compare the picture with the frame after every damage/move call. */
  mismatches: string[] = [];

  constructor(private readonly src: DemoSource, private readonly strict = true, withMove = true) {
    const f = src.frame();
    this.width = f.width;
    this.height = f.height;
    this.pic = packed(f);
    if (!withMove) (this as { move?: unknown }).move = undefined;
  }

  damage(rects: SourceRect[]): void {
    this.damageCalls.push(rects.map((r) => ({ ...r })));
    const f = this.src.frame();
    for (const r of rects) {
      for (let y = Math.max(0, r.y); y < Math.min(this.height, r.y + r.height); y++) {
        for (let x = Math.max(0, r.x); x < Math.min(this.width, r.x + r.width); x++) {
          this.pic[y * this.width + x] = f.pixels[y * f.stride + x]!;
        }
      }
    }
    if (this.strict) this.check('damage');
  }

  move(src: SourceRect, x: number, y: number): void {
    this.moves.push({ src: { ...src }, x, y });
    const tmp = new Uint32Array(src.width * src.height);
    for (let j = 0; j < src.height; j++) {
      tmp.set(this.pic.subarray((src.y + j) * this.width + src.x, (src.y + j) * this.width + src.x + src.width), j * src.width);
    }
    for (let j = 0; j < src.height; j++) this.pic.set(tmp.subarray(j * src.width, (j + 1) * src.width), (y + j) * this.width + x);
    // The contract: the frame already shows the move when it is reported.
    if (this.strict) this.check('move');
  }

  resized(w: number, h: number): void {
    this.resizes.push([w, h]);
    this.width = w;
    this.height = h;
    this.pic = new Uint32Array(w * h); // stale until damaged
  }

  cursor(shape: SourceCursor | null): void {
    this.cursors.push(shape);
  }

  pointer(): void {}

  clipboard(text: string | null): void {
    this.clipboards.push(text);
  }

  error(err: Error): void {
    this.errors.push(err);
  }

  check(what: string): void {
    const f = this.src.frame();
    if (f.width !== this.width || f.height !== this.height) {
      this.mismatches.push(`${what}: size ${this.width}x${this.height} vs frame ${f.width}x${f.height}`);
      return;
    }
    // The frame must also be what the source's state looks like (nothing left stale), except
    // during a move, when the rows that move uncovers are repainted just after.
    const model = what === 'move' ? f : this.src.renderModel();
    // In place, no copy: this runs after every one of thousands of calls.
    for (let y = 0; y < f.height; y++) {
      const o = y * f.stride, po = y * f.width, mo = y * model.stride;
      for (let x = 0; x < f.width; x++) {
        if (this.pic[po + x] !== f.pixels[o + x]) {
          this.mismatches.push(`${what}: pixel (${x},${y}) of the viewer's picture differs from the frame`);
          return;
        }
        if (model.pixels[mo + x] !== f.pixels[o + x]) {
          this.mismatches.push(`${what}: pixel (${x},${y}) of the frame is stale (differs from a full repaint)`);
          return;
        }
      }
    }
  }

  /** Every damage rectangle reported since index `from`. */
  rectsSince(from: number): SourceRect[] {
    return this.damageCalls.slice(from).flat();
  }
}

function packed(f: SourceFrame): Uint32Array {
  const out = new Uint32Array(f.width * f.height);
  for (let y = 0; y < f.height; y++) out.set(f.pixels.subarray(y * f.stride, y * f.stride + f.width), y * f.width);
  return out;
}

function firstDiff(a: Uint32Array, b: Uint32Array, width: number): string | undefined {
  let n = 0, first = -1;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) { if (first < 0) first = i; n++; }
  return n ? `${n} pixels differ, first at (${first % width},${Math.floor(first / width)})` : undefined;
}

/** Asserts every pixel that differs between `before` and `after` lies inside one of `rects`. */
function assertCovered(before: Uint32Array, after: Uint32Array, width: number, rects: SourceRect[], what: string): number {
  let changed = 0;
  for (let i = 0; i < after.length; i++) {
    if (before[i] === after[i]) continue;
    changed++;
    const x = i % width, y = Math.floor(i / width);
    const inside = rects.some((r) => x >= r.x && x < r.x + r.width && y >= r.y && y < r.y + r.height);
    if (!inside) assert.fail(`${what}: pixel (${x},${y}) changed outside the reported damage`);
  }
  return changed;
}

const area = (rects: SourceRect[]) => rects.reduce((s, r) => s + r.width * r.height, 0);

function keyEvents(text: string, withCode = true): KeyEvent[] {
  const out: KeyEvent[] = [];
  const ev = (key: string, down: boolean): KeyEvent => ({ scancode: makeCode(key)!, down, code: withCode ? key : undefined });
  for (const ch of text) {
    const s = usStrokeFor(ch);
    assert.ok(s, `test text has untypable ${JSON.stringify(ch)}`);
    if (s.shift) out.push(ev('ShiftLeft', true));
    out.push(ev(s.key, true), ev(s.key, false));
    if (s.shift) out.push(ev('ShiftLeft', false));
  }
  return out;
}

function press(src: DemoSource, key: string, times = 1): void {
  for (let i = 0; i < times; i++) {
    src.key!({ scancode: makeCode(key)!, down: true, code: key });
    src.key!({ scancode: makeCode(key)!, down: false, code: key });
  }
}

function typeText(src: DemoSource, text: string): void {
  for (const e of keyEvents(text)) src.key!(e);
}

type TestContext = { after(fn: () => unknown): void };

/** A started source and its viewer sink; the source is stopped when the test ends, even on failure. */
async function started(t: TestContext, opts: DemoOptions = {}, sinkOpts: { strict?: boolean; withMove?: boolean } = {}) {
  const src = createDemoSource({ animate: false, clock: FIXED, ...opts });
  const sink = new ViewerSink(src, sinkOpts.strict ?? true, sinkOpts.withMove ?? true);
  await src.start(sink);
  t.after(() => src.stop());
  return { src, sink };
}

test('demo: default frame is 1024x768, named demo, and shows a real picture', async (t) => {
  const { src, sink } = await started(t);
  assert.equal(src.name, 'demo');
  const f = src.frame();
  assert.equal(f.width, 1024);
  assert.equal(f.height, 768);
  assert.ok(f.stride >= f.width);
  assert.ok(f.pixels.length >= f.stride * f.height);
  const colours = new Set<number>();
  for (let i = 0; i < f.width * f.height; i += 7) colours.add(f.pixels[i]! & 0xffffff);
  assert.ok(colours.size > 200, `only ${colours.size} colours`);
  // The plasma area is photo-like, so the server's QUIC path gets exercised.
  const p = layoutFor(1024, 768).plasma;
  assert.ok(looksPhotographic({ pixels: f.pixels, stride: f.stride, x: p.x0, y: p.y0, width: p.x1 - p.x0, height: p.y1 - p.y0 }),
    'plasma area classified as photo');
  assert.equal(sink.errors.length, 0);
  await src.stop();
});

test('demo: size option and its clamping', async () => {
  const a = createDemoSource({ width: 640, height: 480, animate: false });
  assert.deepEqual([a.frame().width, a.frame().height], [640, 480]);
  const b = createDemoSource({ width: 10, height: 99999, animate: false });
  assert.deepEqual([b.frame().width, b.frame().height], [320, 4096]);
});

test('demo: typing "Hello, World!" changes the text box, and damage covers every changed pixel', async (t) => {
  const { src, sink } = await started(t);
  const before = packed(src.frame());
  const mark = sink.damageCalls.length;
  const tb = layoutFor(1024, 768).textBox;
  for (const e of keyEvents('Hello, World!')) {
    const n = sink.damageCalls.length;
    src.key!(e);
    const rects = sink.rectsSince(n);
    // A key's damage is a few character cells, never a large area.
    assert.ok(area(rects) <= 4 * 12 * 24, `one key damaged ${area(rects)} pixels`);
    for (const r of rects) {
      assert.ok(r.x >= tb.x0 && r.y >= tb.y0 && r.x + r.width <= tb.x1 && r.y + r.height <= tb.y1, 'damage inside the text box');
    }
  }
  assert.equal(src.typedText(), 'Hello, World!');
  const after = packed(src.frame());
  const changed = assertCovered(before, after, 1024, sink.rectsSince(mark), 'typing');
  assert.ok(changed > 100, `typing changed only ${changed} pixels`);
  assert.deepEqual(sink.mismatches, []);
  // Shift-only presses and releases change nothing.
  const n = sink.damageCalls.length;
  src.key!({ scancode: makeCode('ShiftLeft')!, down: true, code: 'ShiftLeft' });
  src.key!({ scancode: makeCode('ShiftLeft')!, down: false, code: 'ShiftLeft' });
  assert.equal(sink.damageCalls.length, n);
});

test('demo: key events without a code name are read from the scancode', async (t) => {
  const { src, sink } = await started(t);
  for (const e of keyEvents('Hi there?', false)) src.key!(e);
  assert.equal(src.typedText(), 'Hi there?');
  assert.deepEqual(sink.mismatches, []);
});

test('demo: Backspace deletes, and the picture equals one where the text was typed directly', async (t) => {
  const { src, sink } = await started(t);
  typeText(src, 'Hello');
  press(src, 'Backspace', 2);
  assert.equal(src.typedText(), 'Hel');
  const { src: ref } = await started(t);
  typeText(ref, 'Hel');
  assert.equal(firstDiff(packed(src.frame()), packed(ref.frame()), 1024), undefined);
  // Across a line break, and more Backspaces than characters.
  typeText(src, 'lo\nab');
  press(src, 'Backspace', 3);
  assert.equal(src.typedText(), 'Hello');
  press(src, 'Backspace', 9);
  assert.equal(src.typedText(), '');
  const { src: empty } = await started(t);
  assert.equal(firstDiff(packed(src.frame()), packed(empty.frame()), 1024), undefined);
  assert.deepEqual(sink.mismatches, []);
});

test('demo: Enter, wrapping and scrolling use moves; the result equals a redraw without moves', async (t) => {
  const lines: string[] = [];
  for (let i = 0; i < 22; i++) lines.push(`line ${i}: ${'abcdefghij'.repeat(i % 4)}`);
  const text = lines.join('\n');
  // A trail across the text box: marks must not scroll with the text.
  const tb = layoutFor(320, 240).textBox;
  const trailPath = Array.from({ length: 30 }, (_, i) => ({ x: tb.x0 + i * 5, y: tb.y0 + 10 + i * 5, buttons: i % 10 === 0 ? 1 : 0 }));
  const runs = [];
  for (const withMove of [true, false]) {
    const { src, sink } = await started(t, { width: 320, height: 240 }, { withMove });
    for (const p of trailPath) src.pointer!(p);
    typeText(src, text);
    // Delete back over a few rows: the box scrolls the other way.
    press(src, 'Backspace', 70);
    runs.push({ src, sink });
  }
  const [m, plain] = runs;
  assert.ok(m!.sink.moves.length > 10, `scrolling used ${m!.sink.moves.length} moves`);
  assert.ok(m!.sink.moves.some((mv) => mv.y > mv.src.y), 'scrolling back moves rows down');
  assert.equal(plain!.sink.moves.length, 0);
  assert.deepEqual(m!.sink.mismatches, []);
  assert.deepEqual(plain!.sink.mismatches, []);
  assert.equal(m!.src.typedText(), text.slice(0, -70));
  assert.equal(firstDiff(packed(m!.src.frame()), packed(plain!.src.frame()), 320), undefined);
});

test('demo: text wrapping rules', () => {
  assert.deepEqual(wrap('', 4).rows, ['']);
  assert.deepEqual(wrap('abcd', 4).rows, ['abcd']);
  assert.deepEqual(wrap('abcde', 4).rows, ['abcd', 'e']);
  assert.deepEqual(wrap('abcd\n', 4).rows, ['abcd', '']);
  assert.deepEqual(wrap('a\n\nb', 4).rows, ['a', '', 'b']);
});

test('demo: the pointer trail and click rings are damaged exactly', async (t) => {
  const { src, sink } = await started(t);
  const before = packed(src.frame());
  const mark = sink.damageCalls.length;
  for (let i = 0; i < 60; i++) {
    const n = sink.damageCalls.length;
    src.pointer!({ x: 100 + i * 12, y: 300 + Math.round(80 * Math.sin(i / 6)), buttons: i === 30 ? 1 : i === 45 ? 4 : 0 });
    assert.ok(area(sink.rectsSince(n)) < 1024 * 768 / 8, 'trail damage is small');
  }
  const after = packed(src.frame());
  const changed = assertCovered(before, after, 1024, sink.rectsSince(mark), 'trail');
  assert.ok(changed > 500, `trail changed ${changed} pixels`);
  // The click ring at the 31st position is drawn (its colour differs from the trail's).
  const f = src.frame();
  const cx = 100 + 30 * 12, cy = 300 + Math.round(80 * Math.sin(30 / 6));
  assert.notEqual(f.pixels[cy * f.stride + cx + 12], before[cy * 1024 + cx + 12], 'ring pixel changed');
  // Not moving changes nothing.
  const n = sink.damageCalls.length;
  src.pointer!({ x: 100 + 59 * 12, y: 300 + Math.round(80 * Math.sin(59 / 6)), buttons: 0 });
  assert.equal(sink.damageCalls.length, n);
  // Out-of-range and junk positions do not throw or write outside the frame.
  src.pointer!({ x: -50, y: 99999, buttons: 0 });
  src.pointer!({ x: Number.NaN, y: 5, buttons: 0 });
  assert.deepEqual(sink.mismatches, []);
});

test('demo: resizeRequest reallocates, redraws and damages the whole frame; bad sizes are ignored', async (t) => {
  const { src, sink } = await started(t);
  typeText(src, 'keep me');
  src.resizeRequest!(800, 600);
  assert.deepEqual(sink.resizes, [[800, 600]]);
  const f = src.frame();
  assert.deepEqual([f.width, f.height], [800, 600]);
  const last = sink.damageCalls[sink.damageCalls.length - 1]!;
  assert.deepEqual(last, [{ x: 0, y: 0, width: 800, height: 600 }]);
  assert.deepEqual(sink.mismatches, []);
  assert.equal(src.typedText(), 'keep me');
  // The same size again, too small, too large or not whole numbers: nothing happens.
  for (const [w, h] of [[800, 600], [100, 100], [5000, 600], [800, 239], [640.5, 480], [Number.NaN, 480]] as const) {
    src.resizeRequest!(w, h);
  }
  assert.equal(sink.resizes.length, 1);
  // The smallest size still lays out and takes input.
  src.resizeRequest!(320, 240);
  typeText(src, 'small screen, long line that wraps several times in the narrow box');
  src.pointer!({ x: 300, y: 200, buttons: 1 });
  assert.deepEqual(sink.mismatches, []);
  assert.deepEqual(sink.resizes, [[800, 600], [320, 240]]);
});

test('demo: cursor is a 32-bit arrow with alpha and its hot spot at the tip', async (t) => {
  const { src, sink } = await started(t);
  const c = src.cursor();
  assert.ok(c);
  assert.deepEqual(sink.cursors, [c], 'sink.cursor called at start');
  assert.equal(c.pixels.length, c.width * c.height);
  assert.ok(c.width >= 8 && c.height >= 8 && c.width <= 64 && c.height <= 64);
  assert.ok(c.hotX >= 0 && c.hotX < c.width && c.hotY >= 0 && c.hotY < c.height);
  const alpha = (x: number, y: number) => c.pixels[y * c.width + x]! >>> 24;
  assert.ok(alpha(c.hotX, c.hotY) >= 0x80, 'the tip is visible');
  // Above and left of the tip is transparent: the tip is the top-left-most opaque point.
  for (let y = 0; y < c.hotY; y++) for (let x = 0; x < c.width; x++) assert.ok(alpha(x, y) < 0x80, `(${x},${y}) above the tip`);
  const alphas = new Set(Array.from(c.pixels, (p) => p >>> 24));
  assert.ok(alphas.has(0) && alphas.has(255) && alphas.size > 4, 'transparent, opaque and partial alpha');
  // Black body and white outline.
  const greys = new Set(Array.from(c.pixels).filter((p) => p >>> 24 === 255).map((p) => p & 0xffffff));
  assert.ok(greys.has(0) && greys.has(0xffffff));
});

test('demo: animate:false changes nothing on its own', async (t) => {
  const { src, sink } = await started(t, { animate: false, clock: () => new Date() });
  const before = packed(src.frame());
  await sleep(300);
  assert.equal(sink.damageCalls.length, 0);
  assert.equal(firstDiff(before, packed(src.frame()), 1024), undefined);
  await src.stop();
});

test('demo: animated, every tick reports exactly what changed (plasma, clock digits, fading trail)', async (t) => {
  const t0 = Date.now();
  // A local-time clock running 7x fast: several digits and, after ~0.4 s, the date change.
  const start = new Date(2026, 0, 1, 23, 59, 57).getTime();
  const clock = () => new Date(start + (Date.now() - t0) * 7);
  const { src, sink } = await started(t, { animate: true, fps: 20, clock });
  const lay = layoutFor(1024, 768);
  let prev = packed(src.frame());
  let ticks = 0, clockDamage = 0, dateDamage = 0;
  const origDamage = sink.damage.bind(sink);
  sink.damage = (rects) => {
    origDamage(rects);
    const now = packed(src.frame());
    assertCovered(prev, now, 1024, rects, `tick ${ticks}`);
    prev = now;
    ticks++;
    // Never the whole frame: the largest single damage is the plasma (plus a little).
    const plasmaArea = (lay.plasma.x1 - lay.plasma.x0) * (lay.plasma.y1 - lay.plasma.y0);
    assert.ok(area(rects) < plasmaArea * 1.3, `damage of ${area(rects)} pixels`);
    for (const r of rects) {
      if (r.y < lay.clockY + 10 * lay.clockScale && r.y + r.height > lay.clockY && r.x < lay.clockPanel.x1 && r.x + r.width > lay.clockPanel.x0) clockDamage++;
      if (r.y < lay.dateY + 10 * lay.scale && r.y + r.height > lay.dateY && r.x < lay.clockPanel.x1 && r.x + r.width > lay.clockPanel.x0) dateDamage++;
    }
  };
  // Over the text box, away from the plasma (which repaints every tick anyway): fading marks must be repainted.
  for (let i = 0; i < 10; i++) {
    src.pointer!({ x: 600 + i * 20, y: 200 + i * 5, buttons: i === 5 ? 2 : 0 });
    await sleep(20);
  }
  await sleep(800);
  await src.stop();
  assert.ok(ticks >= 10, `only ${ticks} damage calls in ~1 s at 20 fps`);
  assert.ok(clockDamage >= 2, `clock damaged ${clockDamage} times`);
  assert.equal(dateDamage, 1, 'the date changes once, at midnight');
  assert.deepEqual(sink.mismatches, []);
  assert.deepEqual(sink.errors, []);
});

test('demo: stop() stops the timers and input', async (t) => {
  const { src, sink } = await started(t, { animate: true, fps: 30 });
  await sleep(150);
  assert.ok(sink.damageCalls.length > 0, 'animating before stop');
  await src.stop();
  const n = sink.damageCalls.length;
  typeText(src, 'x');
  src.pointer!({ x: 10, y: 10, buttons: 1 });
  await sleep(300);
  assert.equal(sink.damageCalls.length, n);
});

test('demo: clipboard text is shown; Ctrl+V pastes it, Ctrl+C copies the box, Ctrl+L clears', async (t) => {
  const { src, sink } = await started(t);
  const before = packed(src.frame());
  const n = sink.damageCalls.length;
  src.setClipboard!('from the viewer\nsecond line \u00e9');
  assert.equal(src.clipboardText(), 'from the viewer\nsecond line \u00e9');
  const bottom = layoutFor(1024, 768).bottom;
  const rects = sink.rectsSince(n);
  assert.ok(rects.length > 0 && rects.every((r) => r.y >= bottom.y0), 'clipboard damage in the bottom bar');
  assertCovered(before, packed(src.frame()), 1024, rects, 'clipboard line');
  const ctrl = (down: boolean) => src.key!({ scancode: makeCode('ControlLeft')!, down, code: 'ControlLeft' });
  ctrl(true);
  press(src, 'KeyV');
  ctrl(false);
  assert.equal(src.typedText(), 'from the viewer\nsecond line ');
  typeText(src, '!');
  ctrl(true);
  press(src, 'KeyC');
  ctrl(false);
  assert.deepEqual(sink.clipboards, ['from the viewer\nsecond line !']);
  ctrl(true);
  press(src, 'KeyL');
  ctrl(false);
  assert.equal(src.typedText(), '');
  src.setSourceClipboard(null);
  assert.deepEqual(sink.clipboards, ['from the viewer\nsecond line !', null]);
  assert.deepEqual(sink.mismatches, []);
});

test('demo: the font has a distinct, non-empty glyph for every printable ASCII character', () => {
  const seen = new Map<string, string>();
  for (let c = 33; c <= 126; c++) {
    const rows: number[] = [];
    for (let r = 0; r < GLYPH_ROWS; r++) rows.push(glyphRow(c, r));
    assert.ok(rows.some((m) => m !== 0), `glyph ${String.fromCharCode(c)} is empty`);
    const key = rows.join(',');
    assert.ok(!seen.has(key), `glyphs ${seen.get(key)} and ${String.fromCharCode(c)} are the same`);
    seen.set(key, String.fromCharCode(c));
  }
  for (let r = 0; r < GLYPH_ROWS; r++) assert.equal(glyphRow(32, r), 0);
});
