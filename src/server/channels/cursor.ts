/**
 * A viewer's cursor channel: the shape (32-bit alpha cursors) and, in server mouse mode,
 * where the pointer is.
 */
import { CursorFlags, CursorType, MouseMode } from '../../protocol/enums/index.js';
import { ServerChannelBase, type ServerHandler } from './base.js';
import type { SpiceChannel } from '../../channel/channel.js';
import type { ServerLinkResult } from '../../channel/link-server.js';
import type { Transport } from '../../transports/transport.js';
import type { Viewer } from '../viewer.js';
import type { SourceCursor } from '../source.js';

export class ServerCursor extends ServerChannelBase {
  protected readonly handlers: Record<string, ServerHandler> = {};

  constructor(viewer: Viewer, channel: SpiceChannel, transport: Transport, link: ServerLinkResult) {
    super(viewer, channel, transport, link);
    const s = viewer.server;
    const shape = s.cursor;
    this.send('init', {
      position: { x: s.pointerX, y: s.pointerY }, trail_length: 0, trail_frequency: 0,
      visible: shape ? 1 : 0, cursor: this.cursorStruct(shape),
    });
  }

  private cursorStruct(shape: SourceCursor | null): Record<string, unknown> {
    if (!shape) return { flags: CursorFlags.NONE, data: new Uint8Array(0) };
    return {
      flags: 0,
      header: {
        unique: this.viewer.server.cursorId, type: CursorType.ALPHA, width: shape.width, height: shape.height,
        hot_spot_x: shape.hotX, hot_spot_y: shape.hotY,
      },
      // 0xAARRGGBB words are B,G,R,A in memory: the ALPHA cursor layout.
      data: new Uint8Array(shape.pixels.buffer, shape.pixels.byteOffset, shape.width * shape.height * 4),
    };
  }

  shape(shape: SourceCursor | null): void {
    const s = this.viewer.server;
    if (!shape) { this.send('hide', {}); return; }
    this.send('set', { position: { x: s.pointerX, y: s.pointerY }, visible: 1, cursor: this.cursorStruct(shape) });
  }

  moved(x: number, y: number): void {
    if (this.viewer.mouseMode === MouseMode.SERVER) this.send('move', { position: { x, y } });
  }
}
