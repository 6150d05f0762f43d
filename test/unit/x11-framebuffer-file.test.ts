/**
 * The x11 source's framebuffer file (Xvfb -fbdir): the XWD header as Xvfb writes it, one
 * test per malformed header, reads of whole rows and of boxes (in bands) into a frame,
 * and finding the file of a display through a made-up /proc.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, removeTempDir } from '../harness/proc.js';
import {
  FramebufferFile, findXvfbFramebuffer, parseXwdHeader, unusableLayout,
} from '../../src/server/sources/x11/framebuffer-file.js';
import { ErrorCode, SpiceError } from '../../src/protocol/errors.js';

interface HeaderFields {
  headerSize?: number; version?: number; format?: number; depth?: number; width?: number; height?: number;
  byteOrder?: number; bpp?: number; bytesPerLine?: number; masks?: [number, number, number]; ncolors?: number;
  littleEndian?: boolean; name?: string;
}

/** An XWD header (25 CARD32s, big-endian like Xvfb's unless littleEndian) and the window name. */
function xwdHeader(o: HeaderFields = {}): Uint8Array {
  const name = o.name ?? 'Xvfb test:5.0';
  const headerSize = o.headerSize ?? 100 + name.length + 1;
  const width = o.width ?? 6, height = o.height ?? 4;
  const b = new Uint8Array(Math.max(100, headerSize));
  const dv = new DataView(b.buffer);
  const [r, g, bl] = o.masks ?? [0xff0000, 0xff00, 0xff];
  const v = [headerSize, o.version ?? 7, o.format ?? 2, o.depth ?? 24, width, height, 0, o.byteOrder ?? 0, 32, 0, 32,
    o.bpp ?? 32, o.bytesPerLine ?? width * 4, 4, r, g, bl, 8, 256, o.ncolors ?? 2, width, height, 0, 0, 0];
  v.forEach((x, i) => dv.setUint32(i * 4, x, o.littleEndian ?? false));
  for (let i = 0; i < name.length && 100 + i < b.length; i++) b[100 + i] = name.charCodeAt(i);
  return b;
}

/** A whole framebuffer file: header, colormap, then pixel (x, y) = 0x00yyxx.. per `pixel`. */
function xwdFile(width: number, height: number, pixel: (x: number, y: number) => number, o: HeaderFields = {}): { bytes: Uint8Array; dataOffset: number } {
  const bpl = o.bytesPerLine ?? width * 4;
  const head = xwdHeader({ ...o, width, height, bytesPerLine: bpl });
  const ncolors = o.ncolors ?? 2;
  const dataOffset = head.length + ncolors * 12;
  const bytes = new Uint8Array(dataOffset + bpl * height);
  bytes.set(head);
  const dv = new DataView(bytes.buffer);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) dv.setUint32(dataOffset + y * bpl + x * 4, pixel(x, y), true);
  return { bytes, dataOffset };
}

const px = (x: number, y: number) => ((y * 7 + 1) << 16) | ((x * 3) << 8) | ((x + y) & 0xff);

function codeOf(fn: () => unknown): string | undefined {
  try { fn(); } catch (e) { return e instanceof SpiceError ? e.code : `not a SpiceError: ${e}`; }
  return undefined;
}

test('XWD header: the fields of a header as Xvfb writes it (big-endian), and little-endian', () => {
  for (const littleEndian of [false, true]) {
    const l = parseXwdHeader(xwdHeader({ width: 1024, height: 768, ncolors: 256, littleEndian, name: 'Xvfb vm:77.0' }));
    assert.deepEqual(l, {
      width: 1024, height: 768, depth: 24, bitsPerPixel: 32, bytesPerLine: 4096, byteOrder: 0,
      redMask: 0xff0000, greenMask: 0xff00, blueMask: 0xff, dataOffset: 113 + 256 * 12,
    });
    assert.equal(unusableLayout(l), undefined);
  }
});

test('XWD header: each malformed header is a coded error', () => {
  const cases: [string, Uint8Array][] = [
    ['shorter than a header', xwdHeader().subarray(0, 99)],
    ['another version', xwdHeader({ version: 6 })],
    ['header size below 100', xwdHeader({ headerSize: 96 })],
    ['header size over 64 KiB', xwdHeader({ headerSize: 70_000 })],
    ['XYPixmap', xwdHeader({ format: 1 })],
    ['zero width', xwdHeader({ width: 0 })],
    ['huge height', xwdHeader({ height: 1 << 16 })],
    ['rows shorter than their pixels', xwdHeader({ width: 100, bytesPerLine: 399 })],
    ['zero bits per pixel', xwdHeader({ bpp: 0 })],
    ['too many colours', xwdHeader({ ncolors: 70_000 })],
  ];
  for (const [what, b] of cases) assert.equal(codeOf(() => parseXwdHeader(b)), ErrorCode.INCONSISTENT, what);
});

test('XWD layouts whose pixels are not frame words are named, not used', () => {
  const l = parseXwdHeader(xwdHeader());
  assert.match(unusableLayout({ ...l, bitsPerPixel: 16 })!, /16 bits per pixel/);
  assert.match(unusableLayout({ ...l, byteOrder: 1 })!, /little-endian/);
  assert.match(unusableLayout({ ...l, redMask: 0xff, blueMask: 0xff0000 })!, /masks/);
});

test('framebuffer file: opened only for its screen size and when long enough; reads whole rows and boxes', (t) => {
  const dir = makeTempDir('fbfile');
  t.after(() => removeTempDir(dir));
  const W = 37, H = 23;
  const { bytes } = xwdFile(W, H, px, { bytesPerLine: W * 4 + 12, ncolors: 5 });
  const path = join(dir, 'Xvfb_screen0');
  writeFileSync(path, bytes);
  assert.equal(codeOf(() => FramebufferFile.open(path, W + 1, H)), ErrorCode.INCONSISTENT, 'another screen size');
  writeFileSync(join(dir, 'short'), bytes.subarray(0, bytes.length - 1));
  assert.equal(codeOf(() => FramebufferFile.open(join(dir, 'short'), W, H)), ErrorCode.INCONSISTENT, 'a file one byte short');
  writeFileSync(join(dir, 'bgr'), xwdFile(W, H, px, { masks: [0xff, 0xff00, 0xff0000] }).bytes);
  assert.equal(codeOf(() => FramebufferFile.open(join(dir, 'bgr'), W, H)), ErrorCode.UNSUPPORTED, 'BGR pixels');

  const fb = FramebufferFile.open(path, W, H);
  t.after(() => fb.close());
  assert.equal(fb.wordsPerLine, W + 3);
  // A box (odd position, rows padded in the file) into a frame with another stride.
  const stride = 50;
  const frame = new Uint32Array(stride * 30).fill(0xdeadbeef);
  fb.read(5, 3, 20, 17, frame, 2 * stride + 1, stride);
  for (let y = 0; y < 30; y++) {
    for (let x = 0; x < stride; x++) {
      const inBox = y >= 2 && y < 19 && x >= 1 && x < 21;
      assert.equal(frame[y * stride + x], inBox ? px(x - 1 + 5, y - 2 + 3) : 0xdeadbeef, `frame ${x},${y}`);
    }
  }
  // Whole rows, as the scroll search reads them.
  const rows = new Uint32Array(fb.wordsPerLine * 4 + 1);
  fb.readRows(10, 4, rows, 1);
  for (let y = 0; y < 4; y++) for (let x = 0; x < W; x++) assert.equal(rows[1 + y * fb.wordsPerLine + x], px(x, 10 + y));
  assert.equal(codeOf(() => fb.read(30, 0, 8, 1, frame, 0, stride)), ErrorCode.BAD_ARGUMENT, 'a box past the right edge');
  assert.equal(codeOf(() => fb.read(0, 0, W, H, new Uint32Array(10), 0, W)), ErrorCode.BAD_ARGUMENT, 'a destination too small');
  assert.equal(codeOf(() => fb.readRows(20, 4, rows, 0)), ErrorCode.BAD_ARGUMENT, 'rows past the bottom');
});

test('framebuffer file: a file without padding reads full-width boxes straight into the frame', (t) => {
  const dir = makeTempDir('fbfile');
  t.after(() => removeTempDir(dir));
  const W = 16, H = 9;
  writeFileSync(join(dir, 'f'), xwdFile(W, H, px).bytes);
  const fb = FramebufferFile.open(join(dir, 'f'), W, H);
  t.after(() => fb.close());
  const frame = new Uint32Array(W * H);
  fb.read(0, 2, W, 5, frame, 2 * W, W);
  for (let i = 0; i < W * H; i++) assert.equal(frame[i], i >= 2 * W && i < 7 * W ? px(i % W, Math.floor(i / W)) : 0);
});

test('findXvfbFramebuffer: the -fbdir file of the Xvfb serving a local display, through /proc', (t) => {
  const root = makeTempDir('fbproc');
  t.after(() => removeTempDir(root));
  const proc = join(root, 'proc'), sockets = join(root, 'x11-unix');
  mkdirSync(sockets, { recursive: true });
  const processes: Record<string, string[]> = {
    '101': ['/usr/bin/Xvfb', ':5', '-screen', '0', '1024x768x24', '-fbdir', '/dev/shm/fb5', '-nolisten', 'tcp'],
    '102': ['Xvfb', ':6', '-screen', '0', '800x600x24'],
    '103': ['/usr/bin/Xorg', ':7', '-fbdir', '/x'],
    '104': ['xterm', '-display', ':8', '-fbdir', '/y'],
    self: ['not', 'a', 'pid'],
  };
  for (const [pid, argv] of Object.entries(processes)) {
    mkdirSync(join(proc, pid), { recursive: true });
    writeFileSync(join(proc, pid, 'cmdline'), argv.join('\0') + '\0');
  }
  for (const n of [5, 6, 7, 8]) writeFileSync(join(sockets, `X${n}`), '');
  assert.equal(findXvfbFramebuffer(':5', proc, sockets), '/dev/shm/fb5/Xvfb_screen0');
  assert.equal(findXvfbFramebuffer(':5.1', proc, sockets), '/dev/shm/fb5/Xvfb_screen1');
  assert.equal(findXvfbFramebuffer('unix:5', proc, sockets), '/dev/shm/fb5/Xvfb_screen0');
  assert.equal(findXvfbFramebuffer(':6', proc, sockets), undefined, 'an Xvfb without -fbdir');
  assert.equal(findXvfbFramebuffer(':7', proc, sockets), undefined, 'not an Xvfb');
  assert.equal(findXvfbFramebuffer(':8', proc, sockets), undefined, 'a client naming the display');
  assert.equal(findXvfbFramebuffer(':9', proc, sockets), undefined, 'no such display');
  assert.equal(findXvfbFramebuffer('otherhost:5', proc, sockets), undefined, 'a remote display');
  assert.equal(findXvfbFramebuffer(':5', join(root, 'nothing'), sockets), undefined, 'no /proc');
  // An Xvfb of another user than the display socket's owner is not the display's server.
  // (Changing a file's owner needs root, which the CI has.)
  if (process.getuid?.() === 0) {
    chownSync(join(proc, '101'), 4321, 4321);
    assert.equal(findXvfbFramebuffer(':5', proc, sockets), undefined, 'another user\'s process');
  }
});
