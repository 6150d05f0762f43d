/**
 * A viewer's inputs channel: scancodes (KEY_DOWN/KEY_UP words or KEY_SCANCODE bytes) become
 * key events for the source, pointer messages become pointer events (absolute in client
 * mouse mode; relative moves accumulated into a position in server mode), and every
 * fourth motion is acknowledged (MOUSE_MOTION_ACK) so the viewer keeps sending.
 */
import { MouseButton, MouseButtonMask } from '../../protocol/enums/index.js';
import { keyFromScancode, unpackScancode } from '../../client/input/scancodes.js';
import { ServerChannelBase, type ServerHandler } from './base.js';
import type { SpiceChannel } from '../../channel/channel.js';
import type { ServerLinkResult } from '../../channel/link-server.js';
import type { Transport } from '../../transports/transport.js';
import type { Viewer } from '../viewer.js';
import type { KeyEvent } from '../source.js';

const MOTION_ACK_BUNCH = 4;

/** SPICE button mask -> the source's (bit 3 side, bit 4 extra; wheel bits dropped). */
function sourceButtons(mask: number): number {
  return (mask & 7) | (mask & MouseButtonMask.SIDE ? 8 : 0) | (mask & MouseButtonMask.EXTRA ? 16 : 0);
}

/**
 * Splits a stream of set-1 scancode bytes into key events. E0 prefixes one byte; E1 starts
 * Pause's three-byte halves. `carry` keeps an unfinished prefix between messages.
 */
export class ScancodeReader {
  private carry: number[] = [];

  read(bytes: Iterable<number>): KeyEvent[] {
    const out: KeyEvent[] = [];
    for (const b of bytes) {
      const seq = this.carry;
      seq.push(b);
      if (seq[0] === 0xe0 && seq.length < 2) continue;
      if (seq[0] === 0xe1 && seq.length < 3) continue;
      this.carry = [];
      if (seq[0] === 0xe1) {
        const down = seq[1] === 0x1d;
        out.push({ scancode: 0xe11d, down, code: 'Pause' });
        continue;
      }
      const make = seq.length === 2 ? 0xe000 | (seq[1]! & 0x7f) : seq[0]! & 0x7f;
      const known = keyFromScancode(seq);
      out.push({ scancode: make, down: (seq[seq.length - 1]! & 0x80) === 0, code: known?.key });
    }
    return out;
  }
}

export class ServerInputs extends ServerChannelBase {
  protected readonly handlers: Record<string, ServerHandler> = {
    key_down: (b) => this.keys(unpackScancode(b.code as number)),
    key_up: (b) => this.keys(unpackScancode(b.code as number)),
    key_scancode: (b) => this.keys(b.data as Uint8Array),
    mouse_position: (b) => {
      this.x = b.x as number;
      this.y = b.y as number;
      this.pointer(b.buttons_state as number);
      this.motionAck();
    },
    mouse_motion: (b) => {
      const f = this.viewer.server.source.frame();
      this.x = Math.max(0, Math.min(f.width - 1, this.x + (b.dx as number)));
      this.y = Math.max(0, Math.min(f.height - 1, this.y + (b.dy as number)));
      this.pointer(b.buttons_state as number);
      this.viewer.server.pointerFromViewer(this.viewer, this.x, this.y);
      this.motionAck();
    },
    mouse_press: (b) => this.button(b.button as number, b.buttons_state as number, true),
    mouse_release: (b) => this.button(b.button as number, b.buttons_state as number, false),
  };
  private readonly reader = new ScancodeReader();
  private motions = 0;
  private x: number;
  private y: number;

  constructor(viewer: Viewer, channel: SpiceChannel, transport: Transport, link: ServerLinkResult) {
    super(viewer, channel, transport, link);
    this.x = viewer.server.pointerX;
    this.y = viewer.server.pointerY;
    this.send('init', { keyboard_modifiers: 0 });
  }

  private get allowed(): boolean {
    return this.viewer.server.inputAllowed(this.viewer);
  }

  private keys(bytes: Iterable<number>): void {
    const events = this.reader.read(bytes);
    if (!this.allowed) return;
    for (const e of events) this.viewer.server.source.key?.(e);
  }

  private pointer(mask: number, wheel?: number): void {
    if (!this.allowed) return;
    this.viewer.server.source.pointer?.({ x: this.x, y: this.y, buttons: sourceButtons(mask), wheel });
  }

  private button(button: number, mask: number, down: boolean): void {
    if (button === MouseButton.UP || button === MouseButton.DOWN) {
      if (down) this.pointer(mask, button === MouseButton.UP ? -1 : 1);
      return;
    }
    this.pointer(mask);
  }

  private motionAck(): void {
    if (++this.motions % MOTION_ACK_BUNCH === 0) this.send('mouse_motion_ack', {});
  }
}
