/**
 * JPEG decoding for SPICE: JPEG and JPEG_ALPHA images (the JPEG part) and MJPEG video
 * stream frames, behind one interface with a pure TypeScript implementation and, in
 * browsers, the browser's own decoder.
 *
 * The pure decoder handles sequential (baseline and extended) 8-bit Huffman JPEG, grey
 * or three components, any integral sampling factors and restart intervals: everything
 * libjpeg's encoder in spice-server writes. Progressive, arithmetic-coded, lossless,
 * hierarchical and 12-bit JPEG are refused with ERR_UNSUPPORTED.
 *
 * Its pixels are libjpeg-turbo's, bit for bit, for the settings spice-gtk uses
 * (spice-gtk src/decode-jpeg.c for images: libjpeg defaults, i.e. the accurate integer
 * IDCT and fancy upsampling; src/channel-display-mjpeg.c for streams: the fast integer
 * IDCT, no fancy upsampling, no block smoothing). Output: 0xFFRRGGBB words, top-down.
 */
import { SpiceError, ErrorCode } from '../protocol/errors.js';
import { DEFAULT_MAX_PIXELS, type DecodeLimits, type DecodedImage } from './types.js';
import { M, corrupt, newTables, readFrame, readHuffman, readQuant, readScan, segment, unsupported, type JpegFrame, type JpegTables } from './jpeg-frame.js';
import { ZIGZAG } from './jpeg-huffman.js';
import { decodeScan, type ScanCodec } from './jpeg-scan.js';
import { dcOnlyIfast, dcOnlyIslow, idctIfast, idctIfast4, idctIslow, idctIslow4, ifastMultipliers } from './jpeg-idct.js';
import { renderPixels } from './jpeg-color.js';

import { browserJpegDecoder } from './jpeg-browser.js';

export { browserJpegDecoder };

/** libjpeg's integer IDCTs: 'islow' = JDCT_ISLOW (default), 'ifast' = JDCT_IFAST. */
export type JpegDctMethod = 'islow' | 'ifast';

export interface JpegOptions extends DecodeLimits {
  /** Default 'islow'. */
  dct?: JpegDctMethod;
  /** libjpeg's do_fancy_upsampling; default true. */
  fancyUpsampling?: boolean;
}

/** What spice-gtk's still-image decoder asks libjpeg for (decode-jpeg.c: the defaults). */
export const JPEG_IMAGE_OPTIONS: Readonly<JpegOptions> = Object.freeze({ dct: 'islow', fancyUpsampling: true });
/** What spice-gtk's MJPEG stream decoder asks libjpeg for (channel-display-mjpeg.c). */
export const MJPEG_FRAME_OPTIONS: Readonly<JpegOptions> = Object.freeze({ dct: 'ifast', fancyUpsampling: false });

export interface JpegDecoder {
  /** Decodes one JPEG to 'xrgb' pixels (alpha 0xFF), top-down. Throws (or rejects with) SpiceError. */
  decode(data: Uint8Array): DecodedImage | Promise<DecodedImage>;
}

const ISLOW: ScanCodec = { idct: idctIslow, idct4: idctIslow4, dcOnly: dcOnlyIslow };
const IFAST: ScanCodec = { idct: idctIfast, idct4: idctIfast4, dcOnly: dcOnlyIfast };

/**
 * What one decoder keeps between images: the tables DQT/DHT segments set (a frame that
 * leaves them out, a libjpeg "abbreviated" image, reuses the previous ones, as one
 * libjpeg instance would) and the sample planes, reused when the next image needs the
 * same sizes (every sample the colour stage reads is rewritten by the scans).
 */
interface DecoderState {
  tables: JpegTables;
  planes: Uint8Array[];
}

function newState(): DecoderState {
  return { tables: newTables(), planes: [] };
}

function decodeWithState(data: Uint8Array, state: DecoderState, options: JpegOptions): DecodedImage {
  const tables = state.tables;
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  const ifast = options.dct === 'ifast';
  const fancy = options.fancyUpsampling ?? true;
  if (options.dct !== undefined && options.dct !== 'islow' && options.dct !== 'ifast') {
    throw new SpiceError(ErrorCode.BAD_ARGUMENT, `JPEG: unknown DCT method ${String(options.dct)}`);
  }
  if (data.length < 4 || data[0] !== 0xff || data[1] !== M.SOI) corrupt('data does not start with an SOI marker');
  let pos = 2;
  let frame: JpegFrame | undefined;
  let restartInterval = 0;
  let jfif = false;
  let adobeTransform = -1;
  const scanned = new Set<number>();

  for (;;) {
    // Find the next marker; libjpeg skips stray bytes before it (with a warning), so do we.
    while (pos < data.length && data[pos] !== 0xff) pos++;
    while (pos < data.length && data[pos] === 0xff) pos++;
    if (pos >= data.length) break; // no EOI: accepted if every component was decoded
    const marker = data[pos++];
    if (marker === M.EOI) break;
    if (marker === M.TEM || (marker >= M.RST0 && marker <= M.RST7)) continue; // no payload
    if (marker === M.SOI) corrupt('second SOI marker');
    switch (marker) {
      case M.SOF0:
      case M.SOF1:
        if (frame) corrupt('second frame header');
        frame = readFrame(data, pos, maxPixels, data.length);
        break;
      case M.SOF2:
      case M.SOF6:
      case M.SOF10:
      case M.SOF14:
        return unsupported('progressive JPEG is not supported');
      case M.SOF9:
      case M.SOF11:
      case M.SOF13:
      case M.SOF15:
      case M.DAC:
        return unsupported('arithmetic-coded JPEG is not supported');
      case M.SOF3:
      case M.SOF5:
      case M.SOF7:
      case M.JPG:
        return unsupported(`the JPEG process of marker 0xFF${marker.toString(16).toUpperCase()} (lossless or hierarchical) is not supported`);
      case M.DQT:
        readQuant(data, pos, tables);
        break;
      case M.DHT:
        readHuffman(data, pos, tables);
        break;
      case M.DRI: {
        const [p, end] = segment(data, pos, 'DRI');
        if (end - p !== 2) corrupt('DRI segment length');
        restartInterval = (data[p] << 8) | data[p + 1];
        break;
      }
      case M.DNL:
        return unsupported('DNL marker');
      case M.APP0: {
        const [p, end] = segment(data, pos, 'APP0');
        if (end - p >= 14 && data[p] === 0x4a && data[p + 1] === 0x46 && data[p + 2] === 0x49 && data[p + 3] === 0x46 && data[p + 4] === 0) jfif = true;
        break;
      }
      case M.APP14: {
        const [p, end] = segment(data, pos, 'APP14');
        if (end - p >= 12 && data[p] === 0x41 && data[p + 1] === 0x64 && data[p + 2] === 0x6f && data[p + 3] === 0x62 && data[p + 4] === 0x65) adobeTransform = data[p + 11];
        break;
      }
      case M.SOS: {
        if (!frame) corrupt('scan before the frame header');
        const { scan, end } = readScan(data, pos, frame, tables);
        for (const c of scan.components) {
          if (!c.dequant) {
            const ci = frame.components.indexOf(c);
            // libjpeg latches a component's quantiser when its first scan starts.
            const q = tables.quant[c.tq];
            if (!q) corrupt(`component ${c.id} uses quantisation table ${c.tq}, which is not defined`);
            const nat = ifast ? ifastMultipliers(q) : Int32Array.from(q);
            const zz = new Int32Array(64);
            for (let k = 0; k < 64; k++) zz[k] = nat[ZIGZAG[k]];
            c.dequant = zz;
            const size = c.stride * c.rows;
            if (state.planes[ci]?.length !== size) state.planes[ci] = new Uint8Array(size);
            c.plane = state.planes[ci];
          }
          scanned.add(c.id);
        }
        pos = decodeScan(data, end, frame, scan, restartInterval, ifast ? IFAST : ISLOW);
        continue; // pos is at the next marker already
      }
      default:
        // APPn, COM and anything else with a length: skip.
        if (marker < 0xc0) corrupt(`unknown marker 0xFF${marker.toString(16).toUpperCase()}`);
        break;
    }
    const [, end] = segment(data, pos, `marker 0xFF${marker.toString(16).toUpperCase()}`);
    pos = end;
  }
  if (!frame) corrupt('no frame header (truncated image?)');
  for (const c of frame.components) {
    if (!scanned.has(c.id)) corrupt(`component ${c.id} has no scan data (truncated image?)`);
  }
  // libjpeg's guess of the colour space of three components.
  let rgb = false;
  if (frame.components.length === 3 && !jfif) {
    const ids = frame.components.map((c) => c.id);
    if (adobeTransform >= 0) rgb = adobeTransform === 0;
    else rgb = ids[0] === 0x52 && ids[1] === 0x47 && ids[2] === 0x42; // 'R','G','B'
  }
  const pixels = new Uint32Array(frame.width * frame.height);
  renderPixels(frame, fancy, rgb, pixels);
  return { width: frame.width, height: frame.height, pixels, format: 'xrgb' };
}

/**
 * Decodes one JPEG image with the pure TypeScript decoder. Defaults are spice-gtk's for
 * JPEG images; pass MJPEG_FRAME_OPTIONS (plus limits) for MJPEG stream frames.
 */
export function decodeJpeg(data: Uint8Array, options: JpegOptions = {}): DecodedImage {
  return decodeWithState(data, newState(), options);
}

/**
 * A pure TypeScript decoder that keeps Huffman and quantisation tables from one image to
 * the next, like the single libjpeg instance spice-gtk keeps per display channel or per
 * stream: use one per MJPEG stream (with MJPEG_FRAME_OPTIONS).
 */
export function createPureJpegDecoder(options: JpegOptions = JPEG_IMAGE_OPTIONS): JpegDecoder {
  const state = newState();
  const opts = { ...options };
  return { decode: (data: Uint8Array) => decodeWithState(data, state, opts) };
}

/** Stateless pure TypeScript decoder with spice-gtk's JPEG image settings. */
export const pureJpegDecoder: JpegDecoder = Object.freeze({
  decode: (data: Uint8Array): DecodedImage => decodeJpeg(data, JPEG_IMAGE_OPTIONS),
});

/**
 * The decoder a client should use for one purpose (one per MJPEG stream): the browser's
 * own where there is one (several times faster; pixels within a few levels of
 * spice-gtk's), else the pure decoder with `options` (spice-gtk's exact pixels).
 */
export function createJpegDecoder(options: JpegOptions & { preferBrowser?: boolean } = JPEG_IMAGE_OPTIONS): JpegDecoder {
  const { preferBrowser = true, ...rest } = options;
  return (preferBrowser ? browserJpegDecoder(rest) : undefined) ?? createPureJpegDecoder(rest);
}
