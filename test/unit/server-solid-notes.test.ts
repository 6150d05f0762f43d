/**
 * Boxes a source knows to be one colour (DisplaySource.solidColour): the x11 source's
 * notes (sources/x11/solid-notes.ts) learn them from the scroll search's one-colour check
 * and forget them before anything writes there; the display channel sends such a box as
 * a fill without scanning its pixels.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SolidNotes } from '../../src/server/sources/x11/solid-notes.js';
import { SolidSplitter } from '../../src/server/display/solid-split.js';
import { newScrollStats, searchBox } from '../../src/server/sources/x11/scroll-box.js';
import { createServer } from '../../src/server/server.js';
import { listen } from '../../src/server/listen.js';
import { nodeTicketCrypto } from '../../src/protocol/crypto/node-ticket.js';
import { connect } from '../../src/client/node.js';
import type { SourceRect } from '../../src/server/source.js';
import { until } from '../helpers/pair.js';
import { PaintSource, drawn } from '../harness/paint-source.js';

const box = (x: number, y: number, width: number, height: number): SourceRect => ({ x, y, width, height });

test('SolidNotes: a covering note answers, an overlapping write forgets it, the oldest goes first when full', () => {
  const n = new SolidNotes(3);
  n.note(box(10, 10, 100, 50), 0x123456);
  assert.equal(n.colourOf(10, 10, 110, 60), 0x123456, 'the whole box');
  assert.equal(n.colourOf(20, 20, 30, 30), 0x123456, 'a part of it');
  assert.equal(n.colourOf(5, 20, 30, 30), -1, 'a box reaching outside it');
  n.note(box(0, 0, 0, 10), 0xff); // empty: ignored
  assert.equal(n.size, 1);
  n.forget(box(109, 59, 5, 5)); // one corner pixel
  assert.equal(n.colourOf(20, 20, 30, 30), -1);
  assert.equal(n.size, 0);

  n.note(box(0, 0, 10, 10), 1);
  n.note(box(20, 0, 10, 10), 2);
  n.note(box(40, 0, 10, 10), 3);
  n.note(box(60, 0, 10, 10), 4); // full: (0,0) goes
  assert.deepEqual([0, 20, 40, 60].map((x) => n.colourOf(x, 0, x + 10, 10)), [-1, 2, 3, 4]);
  n.forget(box(25, 5, 20, 1)); // touches the second and the third
  assert.deepEqual([20, 40, 60].map((x) => n.colourOf(x, 0, x + 10, 10)), [-1, -1, 4]);
  n.note(box(60, 0, 10, 10), 5); // a new note of the same place replaces the old
  assert.equal(n.size, 1);
  assert.equal(n.colourOf(60, 0, 70, 10), 5);
  n.note(box(0, 0, 0x7fff, 0x7fff), 0xff123456); // alpha dropped
  assert.equal(n.colourOf(1, 1, 2, 2), 0x123456);
  n.clear();
  assert.equal(n.colourOf(1, 1, 2, 2), -1);
});

test('searchBox notes a box read as one colour and forgets it when the box is read with other pixels', () => {
  const W = 64, H = 48;
  const frame = { width: W, height: H, stride: W, pixels: new Uint32Array(W * H).fill(0xff000000) };
  const sink = { move() {}, damage() {} };
  const notes = new SolidNotes();
  const b = box(8, 8, 40, 30);
  const read = new Uint32Array(b.width * b.height).fill(0xff3465a4);
  searchBox(frame, b, { pixels: read, offset: 0, stride: b.width }, sink, undefined, newScrollStats(), undefined, notes);
  assert.equal(notes.colourOf(8, 8, 48, 38), 0x3465a4);
  assert.equal(frame.pixels[20 * W + 20], 0xff3465a4, 'the frame holds the fill');
  // The same box again, now with a line across it: the note goes, the frame has the line.
  read.fill(0xffcc0000, 10 * b.width, 11 * b.width);
  searchBox(frame, b, { pixels: read, offset: 0, stride: b.width }, sink, undefined, newScrollStats(), undefined, notes);
  assert.equal(notes.colourOf(8, 8, 48, 38), -1);
  assert.equal(notes.colourOf(8, 8, 48, 10), -1, 'not even the part above the line: the box was rewritten');
  assert.equal(frame.pixels[18 * W + 20], 0xffcc0000);
});

test('SolidSplitter.plan with known colours: the same plan as scanning, without reading those boxes', () => {
  const W = 200, H = 120;
  const frame = new Uint32Array(W * H).fill(0xff101010);
  const paint = (x0: number, y0: number, x1: number, y1: number, c: number) => { for (let y = y0; y < y1; y++) frame.fill(c, y * W + x0, y * W + x1); };
  paint(10, 10, 110, 60, 0xff3465a4); // A
  paint(60, 40, 180, 100, 0xffcc0000); // B over A
  for (let i = 0; i < 300; i++) frame[(70 + (i % 20)) * W + 5 + ((i * 7) % 40)] = 0xff000000 | (i * 2654435761 >>> 8); // noise
  const boxes = [{ x0: 0, y0: 0, x1: 200, y1: 40 }, { x0: 0, y0: 40, x1: 60, y1: 100 }, { x0: 60, y0: 40, x1: 180, y1: 100 }, { x0: 180, y0: 40, x1: 200, y1: 100 }];
  const scanned = new SolidSplitter().plan(frame, W, boxes);
  // B's box is known; poison its pixels afterwards to show they are not read.
  const knowing = new SolidSplitter();
  const copy = frame.slice();
  for (let y = 40; y < 100; y++) copy.fill(0xff00ff00, y * W + 60, y * W + 180);
  const isB = (b: { x0: number; y0: number; x1: number; y1: number }) => b.x0 === 60 && b.y0 === 40 && b.x1 === 180 && b.y1 === 100;
  const known = knowing.plan(copy, W, boxes, (b) => (isB(b) ? 0xcc0000 : -1));
  assert.equal(knowing.knownBoxes, 1);
  assert.deepEqual(known.fills.map((f) => ({ ...f })), scanned.fills.map((f) => ({ ...f })));
  assert.deepEqual(known.rest, scanned.rest);
  // A box too small to be a fill on its own stays an image, known or not.
  const tiny = new SolidSplitter().plan(frame, W, [{ x0: 60, y0: 40, x1: 64, y1: 44 }], () => 0xcc0000);
  assert.deepEqual(tiny, { fills: [], rest: [{ x0: 60, y0: 40, x1: 64, y1: 44 }] });
});

/** PaintSource that also says which boxes are one colour: `known` as the test sets it. */
class KnowingSource extends PaintSource {
  known: { x0: number; y0: number; x1: number; y1: number; rgb: number } | null = null;
  asked = 0;
  solidColour(b: { x0: number; y0: number; x1: number; y1: number }): number {
    this.asked++;
    const k = this.known;
    return k && k.x0 <= b.x0 && k.y0 <= b.y0 && b.x1 <= k.x1 && b.y1 <= k.y1 ? k.rgb : -1;
  }
}

test('the display channel sends a box the source knows to be one colour as a fill, without looking at its pixels', async (t) => {
  const W = 160, H = 120;
  const source = new KnowingSource(W, H, drawn(3, W, H));
  const server = createServer({ source, disableTicketing: true, crypto: nodeTicketCrypto });
  await server.start();
  const l = await listen(server, { listen: '127.0.0.1:0' });
  t.after(() => l.close());
  const viewer = await connect(`spice://127.0.0.1:${l.addresses.port}`, { channels: ['display'] });
  t.after(() => viewer.close());
  const same = () => {
    const p = viewer.primary(0);
    return !!p && p.pixels.every((v, i) => ((v ^ source.pixels[i]!) & 0xffffff) === 0);
  };
  await until(same, 5000);

  // A true note: a fill painted and known; the viewer matches and the fill came from the note.
  const fill = new Uint32Array(60 * 40).fill(0xff4e9a06);
  source.known = { x0: 20, y0: 30, x1: 80, y1: 70, rgb: 0x4e9a06 };
  const before = server.stats.knownFills;
  source.paint(fill, 20, 30, 60, 40);
  await until(same, 5000);
  assert.ok(server.stats.knownFills > before, `a known fill was sent (${server.stats.knownFills})`);
  assert.ok(source.asked > 0);

  // The channel trusts the note: pixels that say otherwise are not even read. (A source
  // must never note a box it is about to change; this shows the pixels go unscanned.)
  // (A box large enough to go as a fill on its own: 80x60.)
  source.known = { x0: 70, y0: 50, x1: 150, y1: 110, rgb: 0xcc0000 };
  source.paint(drawn(9, 80, 60), 70, 50, 80, 60);
  await until(() => (viewer.primary(0)!.pixels[80 * W + 110]! & 0xffffff) === 0xcc0000, 5000);
  assert.notEqual(source.pixels[80 * W + 110]! & 0xffffff, 0xcc0000, 'the source itself holds other pixels there');
});
