/**
 * The messages between the viewer page and its image-decoding worker
 * (decode-worker.ts, worker-decoders.ts). One worker per session: it holds
 * the session's GLZ dictionary, so every GLZ image of the session goes there.
 */
import type { DecodedImage } from '../codecs/types.js';

/** Page -> worker: set up the decoders (first message). */
export interface DecodeInit {
  kind: 'init';
  glzWindowPixels: number;
  maxPixels?: number;
}

export type DecodeOp =
  | { op: 'quic'; data: Uint8Array }
  | { op: 'lz'; data: Uint8Array; palette?: Uint32Array }
  | { op: 'glz'; data: Uint8Array }
  | { op: 'zlibGlz'; glzSize: number; data: Uint8Array }
  | { op: 'lz4'; data: Uint8Array; width: number; height: number };

/** Page -> worker: decode one image. */
export type DecodeRequest = { kind: 'decode'; id: number } & DecodeOp;

/** Worker -> page. */
export type DecodeReply =
  | { kind: 'ready' }
  | { kind: 'done'; id: number; image: DecodedImage }
  | { kind: 'failed'; id: number; code: string; message: string };
