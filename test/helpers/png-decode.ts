/**
 * Minimal PNG decoder for tests (node:zlib for the inflate): 8-bit
 * greyscale, RGB, palette, grey+alpha and RGBA, not interlaced. Also reads
 * `data:image/png;base64,` URLs, including ones whose '+' became spaces.
 */
import { inflateSync } from 'node:zlib';

export interface Png {
  width: number;
  height: number;
  /** R, G, B, A bytes, top-down. */
  rgba: Uint8Array;
}

export function pngFromDataUrl(url: string): Png {
  const comma = url.indexOf(',');
  if (!url.startsWith('data:image/png;base64') || comma < 0) throw new Error('not a PNG data URL');
  return decodePng(new Uint8Array(Buffer.from(url.slice(comma + 1).replace(/ /g, '+'), 'base64')));
}

const SIG = [137, 80, 78, 71, 13, 10, 26, 10];

export function decodePng(b: Uint8Array): Png {
  for (let i = 0; i < 8; i++) if (b[i] !== SIG[i]) throw new Error('PNG: bad signature');
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let p = 8, width = 0, height = 0, depth = 0, ctype = 0, interlace = 0;
  let palette: Uint8Array | null = null, trns: Uint8Array | null = null;
  const idat: Uint8Array[] = [];
  while (p + 8 <= b.length) {
    const len = dv.getUint32(p), type = String.fromCharCode(b[p + 4]!, b[p + 5]!, b[p + 6]!, b[p + 7]!);
    const data = b.subarray(p + 8, p + 8 + len);
    if (type === 'IHDR') {
      width = dv.getUint32(p + 8); height = dv.getUint32(p + 12);
      depth = b[p + 16]!; ctype = b[p + 17]!; interlace = b[p + 20]!;
    } else if (type === 'PLTE') palette = data;
    else if (type === 'tRNS') trns = data;
    else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    p += 12 + len;
  }
  if (depth !== 8 || interlace !== 0) throw new Error(`PNG: depth ${depth} / interlace ${interlace} not supported`);
  const channels = ({ 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 } as Record<number, number>)[ctype];
  if (!channels) throw new Error(`PNG: colour type ${ctype} not supported`);
  const raw = new Uint8Array(inflateSync(Buffer.concat(idat)));
  const stride = width * channels;
  if (raw.length < (stride + 1) * height) throw new Error('PNG: short image data');
  const cur = new Uint8Array(stride), prev = new Uint8Array(stride);
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)]!, row = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? cur[i - channels]! : 0, up = prev[i]!, c = i >= channels ? prev[i - channels]! : 0;
      let v = row[i]!;
      switch (f) {
        case 0: break;
        case 1: v += a; break;
        case 2: v += up; break;
        case 3: v += (a + up) >> 1; break;
        case 4: {
          const pa = Math.abs(up - c), pb = Math.abs(a - c), pc = Math.abs(a + up - 2 * c);
          v += pa <= pb && pa <= pc ? a : pb <= pc ? up : c;
          break;
        }
        default: throw new Error(`PNG: bad filter ${f}`);
      }
      cur[i] = v & 255;
    }
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4, s = x * channels;
      switch (ctype) {
        case 0: rgba[o] = rgba[o + 1] = rgba[o + 2] = cur[s]!; rgba[o + 3] = 255; break;
        case 2: rgba[o] = cur[s]!; rgba[o + 1] = cur[s + 1]!; rgba[o + 2] = cur[s + 2]!; rgba[o + 3] = 255; break;
        case 3: {
          const k = cur[s]!;
          rgba[o] = palette![k * 3]!; rgba[o + 1] = palette![k * 3 + 1]!; rgba[o + 2] = palette![k * 3 + 2]!;
          rgba[o + 3] = trns && k < trns.length ? trns[k]! : 255;
          break;
        }
        case 4: rgba[o] = rgba[o + 1] = rgba[o + 2] = cur[s]!; rgba[o + 3] = cur[s + 1]!; break;
        default: rgba[o] = cur[s]!; rgba[o + 1] = cur[s + 1]!; rgba[o + 2] = cur[s + 2]!; rgba[o + 3] = cur[s + 3]!;
      }
    }
    prev.set(cur);
  }
  return { width, height, rgba };
}
