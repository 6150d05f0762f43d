/**
 * Image decoders that run in a Web Worker (decode-worker.ts), so a burst of
 * photo-like updates does not freeze the page: the page only copies the
 * compressed bytes out and draws the pixels that come back.
 *
 * One worker per session, started before the first display channel links
 * (the session awaits its decoder factory). If the worker cannot start (no
 * Worker, a Content-Security-Policy without worker-src, the script missing),
 * the session decodes on the page instead, with the same codecs: the choice
 * is made once per session because the GLZ dictionary lives in one place.
 * Small stateless images (QUIC, LZ, LZ4 under `inlineBelowPixels`) are
 * decoded on the page: for them the round trip costs more than the decode.
 */
import type { ImageDecoders } from '../canvas/index.js';
import { defaultDecoders } from '../codecs/index.js';
import type { DecodedImage } from '../codecs/types.js';
import { ErrorCode, SpiceError } from '../protocol/errors.js';
import type { DecodeOp, DecodeReply, DecodeRequest } from './decode-protocol.js';

export interface WorkerDecoderOptions {
  /** The worker script (default: decode-worker.js next to the viewer bundle). */
  url: string | URL;
  glzWindowPixels: number;
  maxPixels?: number;
  /** JPEG stays on the page (the browser's own decoder already works off-thread). */
  jpeg?: ImageDecoders['jpeg'];
  /** Stateless images smaller than this many pixels are decoded on the page. Default 4096. */
  inlineBelowPixels?: number;
  /** How long the worker may take to start, ms. Default 5000. */
  startTimeoutMs?: number;
  /** Makes the worker (tests). Default: `new Worker(url, { type: 'module' })`. */
  create?: (url: string | URL) => WorkerLike;
}

export interface WorkerLike {
  postMessage(m: unknown, transfer?: Transferable[]): void;
  terminate(): void;
  onmessage: ((e: { data: DecodeReply }) => void) | null;
  onerror: ((e: unknown) => void) | null;
}

export type SessionDecoders = ImageDecoders & {
  /** 'worker' when images are decoded in the worker, 'page' after a fallback. */
  readonly where: 'worker' | 'page';
  /** Images decoded in the worker so far. */
  readonly decodedInWorker: number;
  dispose(): void;
};

/** The width x height an image announces: LZ (big-endian) and QUIC (little-endian) headers both hold them at bytes 12 and 16. */
function announcedPixels(op: DecodeOp): number {
  const d = op.data;
  const be = (o: number) => (o + 4 <= d.length ? ((d[o]! << 24) | (d[o + 1]! << 16) | (d[o + 2]! << 8) | d[o + 3]!) >>> 0 : 0);
  switch (op.op) {
    case 'lz4': return op.width * op.height;
    // LZ: magic, version, type, width, height (each u32 BE).
    case 'lz': return be(12) * be(16);
    // QUIC: magic, version, type, width, height (u32, little-endian).
    case 'quic': {
      const le = (o: number) => (o + 4 <= d.length ? (d[o]! | (d[o + 1]! << 8) | (d[o + 2]! << 16) | (d[o + 3]! << 24)) >>> 0 : 0);
      return le(12) * le(16);
    }
    default: return Infinity;
  }
}

/**
 * Starts the worker and resolves with decoders that use it, or with page
 * decoders when it cannot start. Never rejects.
 */
export async function sessionDecoders(o: WorkerDecoderOptions): Promise<SessionDecoders> {
  const page = defaultDecoders({ glzWindowPixels: o.glzWindowPixels, maxPixels: o.maxPixels, jpeg: o.jpeg });
  const onPage = (): SessionDecoders => ({ ...page, where: 'page', decodedInWorker: 0, dispose: () => {} });
  let worker: WorkerLike;
  try {
    worker = o.create ? o.create(o.url) : new Worker(o.url, { type: 'module' }) as unknown as WorkerLike;
  } catch {
    return onPage();
  }
  const started = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), o.startTimeoutMs ?? 5000);
    worker.onmessage = (e) => { if (e.data.kind === 'ready') { clearTimeout(timer); resolve(true); } };
    worker.onerror = () => { clearTimeout(timer); resolve(false); };
    worker.postMessage({ kind: 'init', glzWindowPixels: o.glzWindowPixels, maxPixels: o.maxPixels });
  });
  if (!started) {
    worker.terminate();
    return onPage();
  }

  const pending = new Map<number, { resolve: (i: DecodedImage) => void; reject: (e: SpiceError) => void }>();
  let next = 1;
  let decoded = 0;
  let dead: SpiceError | undefined;
  const failAll = (e: SpiceError) => {
    dead = e;
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  };
  worker.onmessage = (e) => {
    const m = e.data;
    if (m.kind === 'ready') return;
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (m.kind === 'done') {
      decoded++;
      p.resolve(m.image);
    } else {
      p.reject(new SpiceError(m.code as ErrorCode, m.message));
    }
  };
  worker.onerror = () => failAll(new SpiceError(ErrorCode.INCONSISTENT, 'the image decoding worker failed'));

  const inlineBelow = o.inlineBelowPixels ?? 4096;
  const send = (op: DecodeOp): Promise<DecodedImage> => {
    if (dead) return Promise.reject(dead);
    const id = next++;
    // The bytes are a view into the channel's receive buffer: copy them out, then hand the copy over.
    const data = op.data.slice();
    const req = { kind: 'decode', id, ...op, data } as DecodeRequest;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.postMessage(req, [data.buffer]);
    });
  };
  const stateless = <A extends unknown[]>(op: (...a: A) => DecodeOp, local: (...a: A) => DecodedImage | Promise<DecodedImage>) =>
    (...a: A): DecodedImage | Promise<DecodedImage> => {
      const req = op(...a);
      return announcedPixels(req) < inlineBelow ? local(...a) : send(req);
    };
  return {
    quic: stateless((data: Uint8Array) => ({ op: 'quic', data }), (data) => page.quic(data)),
    lz: stateless((data: Uint8Array, palette?: Uint32Array) => ({ op: 'lz', data, palette }), (data, palette) => page.lz(data, palette)),
    lz4: stateless((data: Uint8Array, width: number, height: number) => ({ op: 'lz4', data, width, height }),
      (data, width, height) => page.lz4(data, width, height)),
    // GLZ images all go to the worker: its dictionary must see every one of them.
    glz: (data) => send({ op: 'glz', data }),
    zlibGlz: (glzSize, data) => send({ op: 'zlibGlz', glzSize, data }),
    jpeg: page.jpeg,
    lzAlphaInto: page.lzAlphaInto,
    where: 'worker',
    get decodedInWorker() { return decoded; },
    dispose() {
      failAll(new SpiceError(ErrorCode.CLOSED, 'the session ended'));
      worker.terminate();
    },
  };
}
