/**
 * The viewer's image-decoding worker (bundled to dist/viewer/decode-worker.js):
 * QUIC, LZ, GLZ, ZLIB-GLZ and LZ4 decoded off the page's thread with the same
 * codecs as everywhere else (decode-service.ts).
 */
import { decodeService } from './decode-service.js';
import type { DecodeInit, DecodeReply, DecodeRequest } from './decode-protocol.js';

interface WorkerScope {
  onmessage: ((e: { data: DecodeInit | DecodeRequest }) => void) | null;
  postMessage(m: DecodeReply, transfer?: Transferable[]): void;
}

const scope = globalThis as unknown as WorkerScope;
const handle = decodeService((m, transfer) => scope.postMessage(m, transfer ?? []));
scope.onmessage = (e) => handle(e.data);
