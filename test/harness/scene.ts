/**
 * A busy X desktop for display tests: real X clients that make Xspice send
 * text, fills, copies, scrolling, lines, shaped windows and photos — xterm
 * with coloured and scrolled output, xlogo, xeyes, xclock, ImageMagick's
 * `display` showing a generated photo-like image — then window moves.
 * Nothing in it changes by itself once set up (clocks don't tick between
 * checks: xclock updates once an hour), so screenshots can be compared with
 * the X server's own framebuffer.
 */
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import type { XDisplay } from './x11.js';
import { sleep } from './proc.js';
import { decodePnm, type RgbaImage } from '../../src/cli/image-files.js';

/** The X server's own picture of the screen (`import -window root`). */
export async function rootImage(x: XDisplay, file = join(x.dir, `root-${Date.now()}.ppm`)): Promise<RgbaImage> {
  await x.exec('import', ['-window', 'root', file], 30_000);
  return decodePnm(new Uint8Array(readFileSync(file)));
}

export function sameImage(a: RgbaImage, b: RgbaImage): boolean {
  if (a.width !== b.width || a.height !== b.height) return false;
  for (let i = 0; i < a.pixels.length; i++) if (((a.pixels[i]! ^ b.pixels[i]!) & 0xffffff) !== 0) return false;
  return true;
}

/** Pixels that differ in RGB, and the largest per-channel difference. */
export function diffImages(a: RgbaImage, b: RgbaImage): { count: number; maxDelta: number; first?: { x: number; y: number; a: string; b: string } } {
  if (a.width !== b.width || a.height !== b.height) return { count: Infinity, maxDelta: 255 };
  let count = 0, maxDelta = 0;
  let first: { x: number; y: number; a: string; b: string } | undefined;
  for (let i = 0; i < a.pixels.length; i++) {
    const p = a.pixels[i]!, q = b.pixels[i]!;
    if (((p ^ q) & 0xffffff) === 0) continue;
    count++;
    for (const s of [0, 8, 16]) maxDelta = Math.max(maxDelta, Math.abs(((p >>> s) & 255) - ((q >>> s) & 255)));
    first ??= { x: i % a.width, y: Math.floor(i / a.width), a: (p & 0xffffff).toString(16).padStart(6, '0'), b: (q & 0xffffff).toString(16).padStart(6, '0') };
  }
  return { count, maxDelta, first };
}

/** Waits until two framebuffer reads `gapMs` apart are identical; returns the last. */
export async function settledRoot(x: XDisplay, gapMs = 400, tries = 20): Promise<RgbaImage> {
  let last = await rootImage(x);
  for (let i = 0; i < tries; i++) {
    await sleep(gapMs);
    const now = await rootImage(x);
    if (sameImage(last, now)) return now;
    last = now;
  }
  throw new Error('the X screen never stopped changing');
}

/** Where the photo window's picture lies on the screen (ImageMagick `display` at +40+420, 360x260 photo, 1-pixel inner border allowance). */
export const PHOTO_RECT = { left: 38, top: 418, right: 40 + 360 + 6, bottom: 420 + 260 + 6 };

/** Starts the scene's clients on `x` and moves windows around; resolves once they are mapped. */
export async function startScene(x: XDisplay): Promise<void> {
  const photo = join(x.dir, 'photo.png');
  // A photo-like image (smooth noise + gradients): what QUIC/JPEG are for.
  await x.exec('convert', ['-size', '360x260', '-seed', '7', 'plasma:tomato-steelblue', '-blur', '0x1', photo], 30_000);
  await x.exec('xsetroot', ['-solid', '#3a5f7f']);
  const colours = Array.from({ length: 16 }, (_, i) => `\\033[3${i % 8}${i >= 8 ? ';1' : ''}mcolour ${i}\\033[0m`).join(' ');
  x.run('xterm', [
    '-geometry', '80x24+10+10', '-fa', 'Monospace', '-fs', '9', '-bg', 'black', '-fg', 'grey90',
    '-e', 'sh', '-c', `seq 1 300; printf '${colours}\\n'; printf '\\033[44m blue background \\033[0m \\033[7m reversed \\033[0m\\n'; exec sleep 100000`,
  ]);
  x.run('xterm', ['-geometry', '40x10+560+420', '-bg', 'white', '-fg', 'darkgreen', '-e', 'sh', '-c', 'ls -l /usr/bin | head -40; exec sleep 100000']);
  x.run('xlogo', ['-geometry', '160x160+600+20', '-render', '-fg', 'darkred', '-bg', 'ivory']);
  x.run('xeyes', ['-geometry', '180x120+780+200']);
  x.run('xclock', ['-geometry', '150x150+560+220', '-update', '3600']);
  x.run('display', ['-geometry', '+40+420', photo]);
  await waitForWindows(x, ['xlogo', 'xeyes', 'xclock']);
  await sleep(800);
  // Window moves: copies of on-screen areas, exposures.
  await x.exec('xdotool', ['search', '--name', 'xlogo', 'windowmove', '--sync', '620', '60']);
  await x.exec('xdotool', ['search', '--name', 'xeyes', 'windowmove', '--sync', '800', '300']);
}

async function waitForWindows(x: XDisplay, names: string[], timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (const n of names) {
    for (;;) {
      const r = await x.exec('xdotool', ['search', '--name', n]).catch(() => ({ stdout: '' }));
      if (r.stdout.trim()) break;
      if (Date.now() > end) throw new Error(`window '${n}' never appeared`);
      await sleep(150);
    }
  }
}
