/**
 * What the image-decoding worker does, apart from being a worker: set up the
 * session's decoders on 'init', answer each 'decode' when it finishes (a GLZ
 * image waiting for a dictionary image from another display channel does not
 * hold the others up), pixels handed over by transfer. decode-worker.ts wires
 * it to the worker's global scope; tests drive it directly.
 */
import { defaultDecoders } from '../codecs/index.js';
import { ErrorCode, isSpiceError } from '../protocol/errors.js';
import type { DecodedImage } from '../codecs/types.js';
import type { DecodeInit, DecodeReply, DecodeRequest } from './decode-protocol.js';

export type Post = (m: DecodeReply, transfer?: Transferable[]) => void;

export function decodeService(post: Post): (m: DecodeInit | DecodeRequest) => void {
  let decoders: ReturnType<typeof defaultDecoders> | undefined;
  const run = (r: DecodeRequest): DecodedImage | Promise<DecodedImage> => {
    const d = decoders!;
    switch (r.op) {
      case 'quic': return d.quic(r.data);
      case 'lz': return d.lz(r.data, r.palette);
      case 'glz': return d.glz(r.data);
      case 'zlibGlz': return d.zlibGlz(r.glzSize, r.data);
      case 'lz4': return d.lz4(r.data, r.width, r.height);
    }
  };
  return (m) => {
    if (m.kind === 'init') {
      decoders = defaultDecoders({ glzWindowPixels: m.glzWindowPixels, maxPixels: m.maxPixels });
      post({ kind: 'ready' });
      return;
    }
    const fail = (err: unknown) => post({
      kind: 'failed', id: m.id,
      code: isSpiceError(err) ? err.code : ErrorCode.INCONSISTENT,
      message: err instanceof Error ? err.message : String(err),
    });
    try {
      if (!decoders) throw new Error('the decoder worker got an image before its set-up');
      Promise.resolve(run(m)).then((image) => {
        // Transfer only a buffer the image owns whole (a view into a decoder's own state must stay).
        let px = image.pixels;
        if (px.byteOffset !== 0 || px.byteLength !== px.buffer.byteLength) px = px.slice();
        post({ kind: 'done', id: m.id, image: { ...image, pixels: px } }, [px.buffer]);
      }, fail);
    } catch (err) {
      fail(err);
    }
  };
}
