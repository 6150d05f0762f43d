/**
 * QUIC decoder bench (run by bench/run.ts): every QUIC image of the golden
 * captures, decoded by src/codecs/quic.ts and by spice-html5's quic.js
 * (Debian package spice-html5, loaded at run time from /usr/share/spice-html5),
 * reported as MB/s of decoded 32-bit pixels and as a ratio.
 *
 * Also exports the two loaders the unit test shares: the golden QUIC images
 * and the spice-html5 decoder.
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { decodeMessage } from '../src/protocol/messages.js';
import { goldenFiles, loadGolden } from '../test/helpers/golden.js';
import { decodeQuicInto, readQuicHeader } from '../src/codecs/quic.js';

export const SPICE_HTML5_DIR = process.env.SPICE_HTML5_DIR ?? '/usr/share/spice-html5';

/** A QUIC image found in a golden capture, with its SPICE image descriptor's size. */
export interface GoldenQuic {
  /** fixture:connection:message offset:path */
  where: string;
  width: number;
  height: number;
  data: Uint8Array;
}

interface ImageLike {
  descriptor: { type: number; width: number; height: number };
  quic?: { data: Uint8Array };
}

function* findImages(v: unknown, path: string): Generator<[string, ImageLike]> {
  if (!v || typeof v !== 'object' || v instanceof Uint8Array) return;
  const o = v as Record<string, unknown>;
  const d = o.descriptor as ImageLike['descriptor'] | undefined;
  if (d && typeof d === 'object' && typeof d.type === 'number') yield [path, o as unknown as ImageLike];
  for (const k of Object.keys(o)) yield* findImages(o[k], `${path}.${k}`);
}

const SPICE_IMAGE_TYPE_QUIC = 1;

/** Every QUIC image (image type 1, wherever it sits in a message) of every golden capture. */
export function goldenQuicImages(): GoldenQuic[] {
  const out: GoldenQuic[] = [];
  for (const file of goldenFiles()) {
    const s = loadGolden(file);
    for (const c of s.connections) {
      if (c.def.name !== 'display') continue;
      for (const m of c.server) {
        let msg;
        try {
          msg = decodeMessage(c.def, 'server', m.type, m.body);
        } catch {
          continue; // not this file's concern: the golden tests check message decoding
        }
        for (const [path, img] of findImages(msg.body, msg.name)) {
          if (img.descriptor.type !== SPICE_IMAGE_TYPE_QUIC) continue;
          if (!img.quic) throw new Error(`${file}: QUIC image without data at ${path}`);
          out.push({
            where: `${s.name}:#${c.index}@${m.offset}:${path}`,
            width: img.descriptor.width, height: img.descriptor.height, data: img.quic.data,
          });
        }
      }
    }
  }
  return out;
}

/** spice-html5's decoder: B,G,R,X/A bytes per pixel, or undefined for types it does not handle. */
export type Html5QuicDecode = (data: Uint8Array) => Uint8Array | undefined;

interface Html5QuicModule {
  SpiceQuic: new () => { from_dv(dv: DataView, at: number, mb: ArrayBuffer): number; outptr?: Uint8Array };
}

/**
 * Loads /usr/share/spice-html5/quic.js unchanged: it is an ES module with
 * no imports but a .js name outside any package.json, so Node would take it
 * for CommonJS; a copy named .mjs in a temporary folder imports as is.
 * Returns undefined when the package is not installed.
 */
export async function loadSpiceHtml5Quic(): Promise<Html5QuicDecode | undefined> {
  const src = join(SPICE_HTML5_DIR, 'quic.js');
  if (!existsSync(src)) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'spice-ts-html5-quic-'));
  let mod: Html5QuicModule;
  try {
    const copy = join(dir, 'quic.mjs');
    copyFileSync(src, copy);
    mod = (await import(pathToFileURL(copy).href)) as Html5QuicModule;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return (data) => {
    // Its entry point parses a SPICE QUIC image body: u32 data_size, then data.
    const mb = new ArrayBuffer(4 + data.length);
    new DataView(mb).setUint32(0, data.length, true);
    new Uint8Array(mb, 4).set(data);
    const q = new mod.SpiceQuic();
    q.from_dv(new DataView(mb), 0, mb);
    return q.outptr;
  };
}

export default async function benchQuic(): Promise<void> {
  const images = goldenQuicImages();
  const pixels = images.reduce((n, im) => n + im.width * im.height, 0);
  const byType = new Map<string, number>();
  for (const im of images) {
    const t = readQuicHeader(im.data).quicType;
    byType.set(t, (byType.get(t) ?? 0) + 1);
  }
  console.log(`corpus: ${images.length} golden QUIC images (${[...byType].map(([t, n]) => `${n} ${t}`).join(', ')}), ` +
    `${(pixels / 1e6).toFixed(2)} Mpixel, ${(pixels * 4 / 1e6).toFixed(2)} MB decoded per pass\n`);

  const html5 = await loadSpiceHtml5Quic();
  // spice-html5 handles RGB24, RGB32 and RGBA only: compare on what it decodes.
  const set = html5 ? images.filter((im) => html5(im.data) !== undefined) : images;
  const px = set.reduce((n, im) => n + im.width * im.height, 0);
  const outs = set.map((im) => new Uint32Array(im.width * im.height));
  const ours = (): void => {
    for (let i = 0; i < set.length; i++) decodeQuicInto(set[i]!.data, outs[i]!);
  };
  const theirs = (): void => {
    for (const im of set) html5!(im.data);
  };
  // Seconds for `passes` passes.
  const time = (pass: () => void, passes: number): number => {
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < passes; k++) pass();
    return Number(process.hrtime.bigint() - t0) / 1e9;
  };
  const line = (label: string, passes: number, s: number): number => {
    const mbs = (px * 4 * passes) / s / 1e6;
    console.log(`${label.padEnd(26)} ${mbs.toFixed(1).padStart(8)} MB/s  (${(s * 1000 / passes).toFixed(2)} ms/pass)`);
    return mbs;
  };

  // Warm up both, then alternate rounds of ~0.25 s each so that the load of
  // the machine, which drifts, weighs on both sides alike.
  for (let k = 0; k < 20; k++) ours();
  const ourPasses = Math.max(1, Math.round(0.25 / (time(ours, 5) / 5)));
  if (!html5) {
    let s = 0;
    for (let r = 0; r < 8; r++) s += time(ours, ourPasses);
    line('spice-ts decodeQuicInto', ourPasses * 8, s);
    console.log(`spice-html5 quic.js not found in ${SPICE_HTML5_DIR} (install the Debian package spice-html5): no comparison`);
    return;
  }
  if (set.length !== images.length) {
    console.log(`(spice-html5 decodes ${set.length} of the ${images.length} images; both rows count only those)`);
  }
  for (let k = 0; k < 10; k++) theirs();
  const theirPasses = Math.max(1, Math.round(0.25 / (time(theirs, 3) / 3)));
  let sOurs = 0;
  let sTheirs = 0;
  const rounds = 12;
  for (let r = 0; r < rounds; r++) {
    sOurs += time(ours, ourPasses);
    sTheirs += time(theirs, theirPasses);
  }
  const a = line('spice-ts decodeQuicInto', ourPasses * rounds, sOurs);
  const b = line('spice-html5 quic.js', theirPasses * rounds, sTheirs);
  console.log(`\nratio spice-ts / spice-html5: ${(a / b).toFixed(2)}x`);
}
