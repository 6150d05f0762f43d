/**
 * Reading an Xvfb's screen from its framebuffer file instead of asking the X server.
 *
 * Started with `-fbdir DIR`, Xvfb keeps each screen's framebuffer in a memory-mapped
 * file, DIR/Xvfb_screenN, in XWD format (a header, a colormap, then the pixels as the
 * server draws them). Reading the pixels from that file (a copy out of the page cache)
 * replaces GetImage: no round trip, no reply for the X server to build and write, no
 * reply for us to parse. The file is the server's own memory, so what it holds once
 * DAMAGE has reported a change is what GetImage would have returned.
 *
 * Used only where the file's pixels are our frame words byte for byte: 32 bits per
 * pixel, LSBFirst, red/green/blue masks ff0000/ff00/ff, on a little-endian host.
 *
 * Layout (XWDFileHeader, 25 CARD32s, in the byte order of the machine that wrote it;
 * the file version, 7, tells which):
 *   0 header_size (header + window name)   4 file_version (7)    8 pixmap_format (2: ZPixmap)
 *  12 pixmap_depth   16 pixmap_width   20 pixmap_height   24 xoffset   28 byte_order (0: LSBFirst)
 *  32 bitmap_unit    36 bitmap_bit_order   40 bitmap_pad   44 bits_per_pixel   48 bytes_per_line
 *  52 visual_class   56 red_mask   60 green_mask   64 blue_mask   68 bits_per_rgb
 *  72 colormap_entries   76 ncolors   80..96 window width, height, x, y, border width
 * then the window name up to header_size, ncolors XWDColor entries of 12 bytes, the pixels.
 */
import { Buffer } from 'node:buffer';
import { closeSync, fstatSync, openSync, readFileSync, readSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, SpiceError } from '../../../protocol/errors.js';
import { HOST_LE } from './pixels.js';

export interface XwdLayout {
  width: number;
  height: number;
  depth: number;
  bitsPerPixel: number;
  bytesPerLine: number;
  /** 0 LSBFirst, 1 MSBFirst. */
  byteOrder: number;
  redMask: number;
  greenMask: number;
  blueMask: number;
  /** Byte offset of the first pixel row. */
  dataOffset: number;
}

const HEADER_BYTES = 100;
const XWD_VERSION = 7;
const ZPIXMAP = 2;
const COLOR_BYTES = 12;

const bad = (msg: string) => new SpiceError(ErrorCode.INCONSISTENT, `framebuffer file: ${msg}`);

/** The header of an XWD file (at least its first 100 bytes). */
export function parseXwdHeader(b: Uint8Array): XwdLayout {
  if (b.length < HEADER_BYTES) throw bad(`${b.length} bytes, an XWD header needs ${HEADER_BYTES}`);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let le = false;
  if (dv.getUint32(4, false) !== XWD_VERSION) {
    if (dv.getUint32(4, true) !== XWD_VERSION) throw bad(`not an XWD file of version ${XWD_VERSION}`);
    le = true;
  }
  const u = (i: number) => dv.getUint32(i * 4, le);
  const headerSize = u(0), format = u(2), width = u(4), height = u(5), ncolors = u(19);
  if (headerSize < HEADER_BYTES || headerSize > 1 << 16) throw bad(`header size ${headerSize} is not ${HEADER_BYTES}..65536`);
  if (format !== ZPIXMAP) throw bad(`pixmap format ${format} is not ZPixmap`);
  if (ncolors > 1 << 16) throw bad(`${ncolors} colormap entries`);
  const bitsPerPixel = u(11), bytesPerLine = u(12);
  if (width < 1 || height < 1 || width > 1 << 15 || height > 1 << 15) throw bad(`size ${width}x${height}`);
  if (bitsPerPixel < 1 || bitsPerPixel > 32 || bytesPerLine < Math.ceil((width * bitsPerPixel) / 8) || bytesPerLine > 1 << 20) {
    throw bad(`${bytesPerLine} bytes per line for ${width} pixels of ${bitsPerPixel} bits`);
  }
  return {
    width, height, depth: u(3), bitsPerPixel, bytesPerLine, byteOrder: u(7),
    redMask: u(14), greenMask: u(15), blueMask: u(16),
    dataOffset: headerSize + ncolors * COLOR_BYTES,
  };
}

/** Why these pixels are not our frame words as they are (undefined: they are). */
export function unusableLayout(l: XwdLayout): string | undefined {
  if (l.bitsPerPixel !== 32) return `${l.bitsPerPixel} bits per pixel`;
  if (l.byteOrder !== 0 || !HOST_LE) return 'not little-endian pixels on a little-endian host';
  if (l.redMask !== 0xff0000 || l.greenMask !== 0xff00 || l.blueMask !== 0xff) return 'not 8-bit RGB masks';
  if (l.bytesPerLine % 4 !== 0) return `${l.bytesPerLine} bytes per line`;
  return undefined;
}

/** Largest piece read at once when rows are copied out of a band (bytes). */
const BAND_BYTES = 4 << 20;

/** An open framebuffer file of a screen of the given size. */
export class FramebufferFile {
  private fd: number;
  private band = new Uint8Array(0);
  private band32 = new Uint32Array(0);

  private constructor(readonly path: string, fd: number, readonly layout: XwdLayout) {
    this.fd = fd;
  }

  /**
   * Opens `path` for a screen of `width` x `height`: the file must be an XWD of that size
   * whose pixels are frame words (see unusableLayout) and long enough for all of them.
   */
  static open(path: string, width: number, height: number): FramebufferFile {
    const fd = openSync(path, 'r');
    try {
      const head = new Uint8Array(HEADER_BYTES);
      if (readSync(fd, head, 0, HEADER_BYTES, 0) !== HEADER_BYTES) throw bad(`${path} is shorter than an XWD header`);
      const l = parseXwdHeader(head);
      const why = unusableLayout(l);
      if (why) throw new SpiceError(ErrorCode.UNSUPPORTED, `framebuffer file ${path}: ${why}`);
      if (l.width !== width || l.height !== height) throw bad(`${path} is ${l.width}x${l.height}, the screen ${width}x${height}`);
      const size = fstatSync(fd).size;
      if (size < l.dataOffset + l.bytesPerLine * l.height) throw bad(`${path} has ${size} bytes, its ${l.width}x${l.height} pixels need ${l.dataOffset + l.bytesPerLine * l.height}`);
      return new FramebufferFile(path, fd, l);
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }

  /**
   * Copies the w x h rectangle at (x, y) into `dst` at word `at`, `stride` words a row
   * (the rectangle must lie inside the screen). Full-width rows go straight from the file
   * into `dst`; others through a band of whole rows.
   */
  read(x: number, y: number, w: number, h: number, dst: Uint32Array, at: number, stride: number): void {
    const l = this.layout;
    if (w <= 0 || h <= 0) return;
    if (x < 0 || y < 0 || x + w > l.width || y + h > l.height || at < 0 || at + (h - 1) * stride + w > dst.length || w > stride) {
      throw new SpiceError(ErrorCode.BAD_ARGUMENT, `framebuffer file: ${w}x${h} at ${x},${y} is outside the screen or the destination`);
    }
    const bpl = l.bytesPerLine, row = w * 4;
    if (row === bpl && stride === w) {
      this.readRows(y, h, dst, at);
      return;
    }
    const rowsPer = Math.max(1, Math.floor(BAND_BYTES / bpl));
    const words = bpl >> 2;
    for (let r = 0; r < h; r += rowsPer) {
      const n = Math.min(rowsPer, h - r);
      const span = (n - 1) * bpl + row;
      if (this.band.length < span) {
        this.band = new Uint8Array(Math.max(span, Math.min(BAND_BYTES, this.band.length * 2)));
        this.band32 = new Uint32Array(this.band.buffer, 0, this.band.length >> 2);
      }
      this.readFully(this.band.subarray(0, span), l.dataOffset + (y + r) * bpl + x * 4);
      const b = this.band32;
      for (let k = 0; k < n; k++) dst.set(b.subarray(k * words, k * words + w), at + (r + k) * stride);
    }
  }

  /** Words per row in the file. */
  get wordsPerLine(): number {
    return this.layout.bytesPerLine >> 2;
  }

  /** Rows [y, y + h) whole (wordsPerLine words each) into `dst` from word `at`, in one read. */
  readRows(y: number, h: number, dst: Uint32Array, at: number): void {
    const l = this.layout;
    if (h <= 0) return;
    const words = this.wordsPerLine;
    if (y < 0 || y + h > l.height || at < 0 || at + h * words > dst.length) {
      throw new SpiceError(ErrorCode.BAD_ARGUMENT, `framebuffer file: rows ${y}..${y + h} are outside the screen or the destination`);
    }
    this.readFully(new Uint8Array(dst.buffer, dst.byteOffset + at * 4, h * l.bytesPerLine), l.dataOffset + y * l.bytesPerLine);
  }

  /** Reads made and bytes read so far (for statistics). */
  reads = 0;
  bytesRead = 0;

  private readFully(into: Uint8Array, position: number): void {
    this.reads++;
    this.bytesRead += into.length;
    let done = 0;
    while (done < into.length) {
      const n = readSync(this.fd, into, done, into.length - done, position + done);
      if (n <= 0) throw bad(`${this.path} ended at byte ${position + done}`);
      done += n;
    }
  }

  close(): void {
    if (this.fd < 0) return;
    try { closeSync(this.fd); } catch { /* already gone */ }
    this.fd = -1;
  }
}

/**
 * The framebuffer file of a local display (":N", ":N.S", "unix:N"), when an Xvfb serving
 * it runs with -fbdir and belongs to the owner of the display's socket: found through
 * /proc (Linux). Undefined otherwise.
 */
export function findXvfbFramebuffer(display: string, proc = '/proc', socketDir = '/tmp/.X11-unix'): string | undefined {
  const m = /^(?:unix)?:(\d+)(?:\.(\d+))?$/.exec(display.trim());
  if (!m) return undefined;
  const num = m[1]!, screen = m[2] ?? '0';
  let owner: number;
  try { owner = statSync(join(socketDir, `X${num}`)).uid; } catch { return undefined; }
  let pids: string[];
  try { pids = readdirSync(proc).filter((p) => /^\d+$/.test(p)); } catch { return undefined; }
  for (const pid of pids) {
    let argv: string[];
    try { argv = readFileSync(join(proc, pid, 'cmdline'), 'latin1').split('\0'); } catch { continue; }
    const exe = argv[0]?.split('/').pop() ?? '';
    if (!exe.startsWith('Xvfb')) continue;
    const disp = argv.slice(1).find((a) => a.startsWith(':'));
    if (disp !== `:${num}`) continue;
    const at = argv.indexOf('-fbdir');
    if (at < 0 || !argv[at + 1]) continue;
    try { if (statSync(join(proc, pid)).uid !== owner) continue; } catch { continue; }
    return join(argv[at + 1]!, `Xvfb_screen${screen}`);
  }
  return undefined;
}

/**
 * Opens the framebuffer file at `path` for a `width` x `height` screen and returns it once
 * it holds the same bytes as the frame GetImage just filled (it is the server's own memory;
 * the screen may change between the two reads, so up to three tries, each after a new
 * capture). Undefined, with a log line saying why, when it does not.
 */
export async function verifiedFramebuffer(path: string, width: number, height: number, frame: {
  /** The frame's pixels (width x height, packed); undefined once it is replaced or the source stopped. */
  pixels(): Uint32Array | undefined;
  /** Reads the whole screen into the frame again with GetImage. */
  recapture(): Promise<void>;
  log(msg: string): void;
}): Promise<FramebufferFile | undefined> {
  let fb: FramebufferFile;
  try {
    fb = FramebufferFile.open(path, width, height);
  } catch (e) {
    frame.log(`x11: not reading ${path}: ${(e as Error).message}`);
    return undefined;
  }
  const probe = new Uint32Array(width * height);
  const bytes = (a: Uint32Array) => Buffer.from(a.buffer, a.byteOffset, width * height * 4);
  for (let attempt = 0; attempt < 3; attempt++) {
    if (attempt) await frame.recapture();
    const px = frame.pixels();
    if (!px) break;
    try {
      fb.read(0, 0, width, height, probe, 0, width);
    } catch (e) {
      frame.log(`x11: not reading ${path}: ${(e as Error).message}`);
      fb.close();
      return undefined;
    }
    if (bytes(probe).equals(bytes(px))) {
      frame.log(`x11: reading pixels from ${path}`);
      return fb;
    }
  }
  fb.close();
  if (frame.pixels()) frame.log(`x11: ${path} does not hold what the X server shows: reading pixels with GetImage`);
  return undefined;
}
