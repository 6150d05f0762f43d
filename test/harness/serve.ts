/**
 * spice-ts's own server with the demo source, started in-process for interop tests, and
 * picture comparisons between what a viewer shows and the source's frame.
 */
import { createServer, type SpiceServer } from '../../src/server/server.js';
import { listen, type ListenOptions } from '../../src/server/listen.js';
import { createDemoSource } from '../../src/server/sources/demo.js';
import { nodeTicketCrypto } from '../../src/protocol/crypto/node-ticket.js';
import type { ServerOptions } from '../../src/server/options.js';
import type { KeyEvent } from '../../src/server/source.js';
import { freePort } from './net.js';

export interface Img { width: number; height: number; pixels: Uint32Array }

export interface ServedDemo {
  server: SpiceServer;
  port: number;
  /** Every key event the source received. */
  keys: KeyEvent[];
  /** The demo source itself (to make it change: `source.key(...)`). */
  source: ReturnType<typeof createDemoSource>;
  /** A tight copy of the source's current frame. */
  frame(): Img;
}

/** A still demo source (fixed clock, no animation) behind a listening server on loopback. */
export async function serveDemo(t: { after(fn: () => unknown): void }, opts: Partial<ServerOptions> = {},
  lo: ListenOptions = {}): Promise<ServedDemo> {
  const source = createDemoSource({ animate: false, clock: () => new Date(Date.UTC(2026, 10, 21, 12, 34, 56)) });
  const keys: KeyEvent[] = [];
  const key = source.key!.bind(source);
  source.key = (e) => { keys.push(e); key(e); };
  const server = createServer({ source, disableTicketing: opts.password === undefined, crypto: nodeTicketCrypto, ...opts });
  await server.start();
  const port = await freePort();
  const l = await listen(server, { listen: `127.0.0.1:${port}`, ...lo });
  t.after(() => l.close());
  const frame = () => {
    const f = source.frame();
    const pixels = new Uint32Array(f.width * f.height);
    for (let y = 0; y < f.height; y++) pixels.set(f.pixels.subarray(y * f.stride, y * f.stride + f.width), y * f.width);
    return { width: f.width, height: f.height, pixels };
  };
  return { server, port, keys, source, frame };
}

/** Pixels whose RGB differ; -1 when the sizes differ. */
export function countDiff(a: Img, b: Img): number {
  if (a.width !== b.width || a.height !== b.height) return -1;
  let d = 0;
  for (let i = 0; i < a.pixels.length; i++) if (((a.pixels[i]! ^ b.pixels[i]!) & 0xffffff) !== 0) d++;
  return d;
}

/**
 * Where `frame` sits inside `screen` (remote-viewer draws it below its header bar, at an
 * offset that depends on the theme) and how many of its pixels differ there; undefined if
 * no position within the first 120x120 pixels fits a sample of the frame.
 */
export function findFrame(screen: Img, frame: Img): { x: number; y: number; diff: number } | undefined {
  if (frame.width > screen.width || frame.height > screen.height) return undefined;
  const samples: number[] = [];
  for (let i = 0; i < 400; i++) samples.push(Math.floor(((i * 7919) % 9973) / 9973 * frame.width * frame.height));
  for (let y = 0; y <= Math.min(120, screen.height - frame.height); y++) {
    for (let x = 0; x <= Math.min(120, screen.width - frame.width); x++) {
      const fits = samples.every((i) =>
        ((screen.pixels[(y + Math.floor(i / frame.width)) * screen.width + x + (i % frame.width)]! ^ frame.pixels[i]!) & 0xffffff) === 0);
      if (!fits) continue;
      let diff = 0;
      for (let fy = 0; fy < frame.height; fy++) {
        for (let fx = 0; fx < frame.width; fx++) {
          if (((screen.pixels[(y + fy) * screen.width + x + fx]! ^ frame.pixels[fy * frame.width + fx]!) & 0xffffff) !== 0) diff++;
        }
      }
      return { x, y, diff };
    }
  }
  return undefined;
}
