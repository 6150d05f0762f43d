/**
 * LZ-family bench (run by bench/run.ts), on the images of the golden captures:
 * - LZ decode throughput (MB/s of 32-bit output pixels), next to
 *   spice-html5's lz.js on the same images when /usr/share/spice-html5 is
 *   installed (it supports RGB32, RGBA and XXXA);
 * - GLZ decode throughput, each session's images through a fresh dictionary
 *   in stream order (ZLIB_GLZ payloads inflated beforehand);
 * - inflate on the ZLIB_GLZ payloads next to node:zlib's inflateSync.
 */
import { existsSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { decodeLz } from '../src/codecs/lz.js';
import { GlzDictionary } from '../src/codecs/glz.js';
import { inflateZlib } from '../src/codecs/inflate.js';
import { timeIt as timeFor } from './timing.js';
import { goldenFiles, loadGolden } from '../test/helpers/golden.js';
import { displayImages } from '../test/helpers/golden.js';

const HTML5_LZ = '/usr/share/spice-html5/lz.js';


const timeIt = (fn: () => void, seconds = 1.2) => timeFor(fn, seconds);

const row = (label: string, mbs: number, extra = '') => console.log(`${label.padEnd(34)} ${mbs.toFixed(1).padStart(8)} MB/s${extra}`);

export default async function benchLz(): Promise<void> {
  const lz: { data: Uint8Array; type: number; w: number; h: number; top: number }[] = [];
  const sessions: Uint8Array[][] = [];
  const zlib: { data: Uint8Array; size: number }[] = [];
  for (const f of goldenFiles()) {
    const s = loadGolden(f);
    const glz: Uint8Array[] = [];
    for (const img of displayImages(s)) {
      const t = img.descriptor.type;
      if (t === 101) {
        const d: Uint8Array = img.lz_rgb.data;
        const dv = new DataView(d.buffer, d.byteOffset, d.byteLength);
        lz.push({ data: d, type: dv.getUint32(8), w: dv.getUint32(12), h: dv.getUint32(16), top: dv.getUint32(24) });
      } else if (t === 102) {
        glz.push(img.lz_rgb.data);
      } else if (t === 107) {
        zlib.push({ data: img.zlib_glz.data, size: img.zlib_glz.glz_data_size });
        glz.push(inflateZlib(img.zlib_glz.data, img.zlib_glz.glz_data_size));
      }
    }
    if (glz.length) sessions.push(glz);
  }

  // LZ
  const lzOut = lz.reduce((n, i) => n + i.w * i.h * 4, 0);
  console.log(`corpus: ${lz.length} LZ images (${(lzOut / 1e6).toFixed(1)} MB decoded), ` +
    `${sessions.reduce((n, s) => n + s.length, 0)} GLZ images in ${sessions.length} sessions, ${zlib.length} ZLIB_GLZ payloads\n`);
  const ours = timeIt(() => {
    for (const i of lz) decodeLz(i.data);
  });
  const oursMbs = lzOut / ours / 1e6;
  if (existsSync(HTML5_LZ)) {
    type Html5 = { convert_spice_lz_to_web: (ctx: unknown, img: unknown) => unknown };
    const mod = (await import(HTML5_LZ)) as Html5;
    const ctx = { createImageData: (w: number, h: number) => ({ width: w, height: h, data: new Uint8ClampedArray(w * h * 4) }) };
    const inputs = lz.map((i) => ({ type: i.type, width: i.w, height: i.h, top_down: i.top, data: i.data.slice(28).buffer }));
    const theirs = timeIt(() => {
      for (const i of inputs) mod.convert_spice_lz_to_web(ctx, i);
    });
    const theirsMbs = lzOut / theirs / 1e6;
    row('LZ decode, spice-ts', oursMbs, `   x${(oursMbs / theirsMbs).toFixed(2)} vs spice-html5`);
    row('LZ decode, spice-html5 lz.js', theirsMbs);
  } else {
    row('LZ decode, spice-ts', oursMbs);
    console.log(`  (spice-html5 not installed at ${HTML5_LZ}: no side-by-side figure)`);
  }

  // GLZ
  const glzOut = sessions.reduce((n, s) => n + s.reduce((m, d) => {
    const dv = new DataView(d.buffer, d.byteOffset, d.byteLength);
    return m + dv.getUint32(9) * dv.getUint32(13) * 4;
  }, 0), 0);
  const glzTime = timeIt(() => {
    for (const s of sessions) {
      const dict = new GlzDictionary();
      for (const d of s) dict.decode(d);
    }
  });
  row('GLZ decode (dictionary per session)', glzOut / glzTime / 1e6, `   (${(glzOut / 1e6).toFixed(1)} MB decoded per pass)`);

  // inflate
  const zOut = zlib.reduce((n, z) => n + z.size, 0);
  if (zOut) {
    const a = timeIt(() => {
      for (const z of zlib) inflateZlib(z.data, z.size);
    }, 0.8);
    const b = timeIt(() => {
      for (const z of zlib) inflateSync(z.data);
    }, 0.8);
    row('inflate, spice-ts', zOut / a / 1e6, `   x${(b / a).toFixed(2)} vs node:zlib`);
    row('inflate, node:zlib inflateSync', zOut / b / 1e6);
  }
  // a larger inflate sample: the golden payloads are small (tens of KB)
  const big = new Uint8Array(4 << 20);
  for (let i = 0; i < big.length; i++) big[i] = (i % 1031) < 700 ? (i * 13) & 255 : (i >> 7) & 255;
  const { deflateSync } = await import('node:zlib');
  const bz = deflateSync(big);
  const a = timeIt(() => inflateZlib(bz, big.length), 0.8);
  const b = timeIt(() => inflateSync(bz), 0.8);
  row('inflate 4 MiB synthetic, spice-ts', big.length / a / 1e6, `   x${(b / a).toFixed(2)} vs node:zlib`);
  row('inflate 4 MiB synthetic, node:zlib', big.length / b / 1e6);
}
