/**
 * Replays the display messages of a captured connection into a DisplayCanvas
 * (expanding SPICE_MSG_LIST, drawing MJPEG stream frames), for tests.
 */
import { decodeMessage } from '../../src/protocol/messages.js';
import type { ChannelDef } from '../../src/protocol/schema/channels.js';
import { DisplayCanvas, type Clip, type ImageDecoders, type Rect } from '../../src/canvas/index.js';
import type { RawMessage } from './golden.js';

/** The sub-messages of a SPICE_MSG_LIST body (offsets are from the body start). */
export function expandList(body: Uint8Array): RawMessage[] {
  const dv = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const n = dv.getUint16(0, true);
  const out: RawMessage[] = [];
  for (let i = 0; i < n; i++) {
    const off = dv.getUint32(2 + i * 4, true);
    const type = dv.getUint16(off, true), size = dv.getUint32(off + 2, true);
    out.push({ type, body: body.subarray(off + 6, off + 6 + size), offset: off });
  }
  return out;
}

interface Stream { surface: number; flags: number; codec: number; srcW: number; srcH: number; dest: Rect; clip: Clip }

export interface ReplayStats {
  canvas: DisplayCanvas;
  draws: number;
  frames: number;
  names: Map<string, number>;
  /** Distinct colours in the destination of the last video frame, just after it was drawn. */
  frameColours: number;
}

export async function replayDisplay(def: ChannelDef, messages: RawMessage[], decoders: ImageDecoders): Promise<ReplayStats> {
  const canvas = new DisplayCanvas({ decoders });
  const streams = new Map<number, Stream>();
  const stats: ReplayStats = { canvas, draws: 0, frames: 0, names: new Map(), frameColours: 0 };
  const queue = [...messages];
  while (queue.length) {
    const raw = queue.shift()!;
    if (raw.type === 8) { queue.unshift(...expandList(raw.body)); continue; }
    const m = decodeMessage(def, 'server', raw.type, raw.body);
    stats.names.set(m.name, (stats.names.get(m.name) ?? 0) + 1);
    const b = m.body as Record<string, never>;
    switch (m.name) {
      case 'stream_create': {
        const s = b as unknown as { id: number; surface_id: number; flags: number; codec_type: number; src_width: number; src_height: number; dest: Rect; clip: Clip };
        streams.set(s.id, { surface: s.surface_id, flags: s.flags, codec: s.codec_type, srcW: s.src_width, srcH: s.src_height, dest: s.dest, clip: s.clip });
        break;
      }
      case 'stream_clip': {
        const s = b as unknown as { id: number; clip: Clip };
        const st = streams.get(s.id);
        if (st) st.clip = s.clip;
        break;
      }
      case 'stream_destroy': streams.delete((b as unknown as { id: number }).id); break;
      case 'stream_destroy_all': streams.clear(); break;
      case 'stream_data': case 'stream_data_sized': {
        const s = b as unknown as { base: { id: number }; data: Uint8Array; width?: number; height?: number; dest?: Rect };
        const st = streams.get(s.base.id);
        if (!st || st.codec !== 1 || !decoders.jpeg) break;
        const frame = await decoders.jpeg(s.data);
        const w = s.width ?? st.srcW, h = s.height ?? st.srcH;
        const dest = s.dest ?? st.dest;
        canvas.drawStreamFrame(st.surface, frame, Math.min(w, frame.width), Math.min(h, frame.height), dest, st.clip, (st.flags & 1) !== 0);
        stats.frames++;
        stats.frameColours = new Set(canvas.surface(st.surface).opaqueCopy(dest)).size;
        break;
      }
      default:
        if (m.name.startsWith('draw_') || m.name === 'copy_bits') stats.draws++;
        await canvas.apply(m);
    }
  }
  return stats;
}
