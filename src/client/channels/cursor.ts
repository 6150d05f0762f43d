/**
 * The cursor channel, client side: the pointer's shape (with the shape
 * cache), position and visibility, as the server draws it in server mouse
 * mode and announces it in client mode.
 */
import { CursorFlags } from '../../protocol/enums/index.js';
import { ErrorCode, SpiceError } from '../../protocol/errors.js';
import type { ServerMessage } from '../../protocol/schema/channels.js';
import { ChannelClient, type HandlerTable } from './base.js';
import { decodeCursorShape, type CursorShape } from './cursor-shape.js';

type WireCursor = Extract<ServerMessage<'cursor'>, { name: 'set' }>['body']['cursor'];

export type CursorEvent =
  | { kind: 'shape'; shape: CursorShape | null; x: number; y: number; visible: boolean }
  | { kind: 'move'; x: number; y: number }
  | { kind: 'hide' };

export interface CursorOptions {
  /** Most shapes kept in the cursor cache. Default 256. */
  maxCachedShapes?: number;
}

export class CursorClient extends ChannelClient {
  shape: CursorShape | null = null;
  x = 0;
  y = 0;
  visible = false;
  private readonly cache = new Map<bigint, CursorShape>();
  onCursor?: (e: CursorEvent) => void;
  options: CursorOptions = {};

  private readonly handlers: HandlerTable<'cursor'> = {
    init: (b) => {
      this.cache.clear();
      this.x = b.position.x;
      this.y = b.position.y;
      this.visible = b.visible !== 0;
      this.setShape(b.cursor);
    },
    reset: () => {
      this.cache.clear();
      this.shape = null;
      this.visible = false;
      this.onCursor?.({ kind: 'hide' });
    },
    set: (b) => {
      this.x = b.position.x;
      this.y = b.position.y;
      this.visible = b.visible !== 0;
      this.setShape(b.cursor);
    },
    move: (b) => {
      this.x = b.position.x;
      this.y = b.position.y;
      this.visible = true;
      this.onCursor?.({ kind: 'move', x: this.x, y: this.y });
    },
    hide: () => { this.visible = false; this.onCursor?.({ kind: 'hide' }); },
    inval_one: (b) => { this.cache.delete(b.id); },
    inval_all: () => { this.cache.clear(); },
  };

  protected handler(name: string) {
    return this.handlers[name as keyof HandlerTable<'cursor'>] as ((body: never) => void) | undefined;
  }

  private setShape(c: WireCursor): void {
    if (c.flags & CursorFlags.NONE || !c.header) {
      this.shape = null;
    } else if (c.flags & CursorFlags.FROM_CACHE) {
      const hit = this.cache.get(c.header.unique);
      if (!hit) throw new SpiceError(ErrorCode.INCONSISTENT, `cursor ${c.header.unique} is not in the cursor cache`);
      this.shape = hit;
    } else {
      this.shape = decodeCursorShape(c.header, c.data);
      if (c.flags & CursorFlags.CACHE_ME) {
        const max = this.options.maxCachedShapes ?? 256;
        if (this.cache.size >= max) {
          throw new SpiceError(ErrorCode.LIMIT, `the server cached more than ${max} cursor shapes (maxCachedShapes)`);
        }
        this.cache.set(c.header.unique, this.shape);
      }
    }
    this.onCursor?.({ kind: 'shape', shape: this.shape, x: this.x, y: this.y, visible: this.visible });
  }
}
