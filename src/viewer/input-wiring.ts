/**
 * The viewer's input: the page's keyboard and pointer on the canvas, sent on the session's
 * inputs channel. Pointer positions are in canvas pixels of the shown area; `place` turns
 * them into the position message's coordinates and display id (see pointerTarget in
 * monitors.ts). A channel closing meanwhile is not an error.
 */
import { ErrorCode, toSpiceError, type SpiceError } from '../protocol/errors.js';
import { modifiersToLocks, locksToModifiers } from '../client/input/locks.js';
import type { KeyEvent } from '../client/input/scancodes.js';
import type { InputsClient } from '../client/channels/inputs.js';
import { KeyboardInput, type KeyboardOptions } from './keyboard.js';
import { PointerInput } from './pointer.js';
import type { PointerTargetPosition } from './monitors.js';

export interface InputHost {
  /** The inputs channel while connected (undefined: input is dropped). */
  inputs(): InputsClient | undefined;
  /** The mouse mode while connected, else undefined (input is ignored). */
  mouseMode(): 'client' | 'server' | undefined;
  /** The size of the area the canvas shows (surface pixels). */
  shownSize(): { width: number; height: number } | undefined;
  /** A position in the shown area -> the position message's coordinates and display id. */
  place(x: number, y: number): PointerTargetPosition;
  error(e: SpiceError): void;
}

export class ViewerInput {
  readonly keyboard: KeyboardInput;
  readonly pointer: PointerInput;

  constructor(canvas: HTMLCanvasElement, private readonly host: InputHost, keyboard?: KeyboardOptions) {
    this.keyboard = new KeyboardInput({
      keys: (events) => this.sendKeyEvents(events),
      locks: () => { const i = host.inputs(); return i ? modifiersToLocks(i.modifiers & 0xffff) : undefined; },
      setLocks: (l) => this.withInputs((i) => i.setLocks(locksToModifiers(l))),
    }, keyboard);
    this.pointer = new PointerInput(canvas, {
      mode: () => host.mouseMode(),
      surfaceSize: () => host.shownSize(),
      position: (x, y) => this.withInputs((i) => { const p = host.place(x, y); i.position(p.x, p.y, p.display); }),
      motion: (dx, dy) => this.withInputs((i) => i.motion(dx, dy)),
      press: (b) => { this.keyboard.flushHeld(); this.withInputs((i) => i.press(b)); },
      release: (b) => this.withInputs((i) => i.release(b)),
    });
  }

  /** Listens on the canvas (and the document for keys); returns what removes the listeners. */
  attach(canvas: HTMLCanvasElement, doc: Document): () => void {
    const offKeys = this.keyboard.attach(canvas, doc);
    const offPointer = this.pointer.attach();
    return () => { offKeys(); offPointer(); };
  }

  /** Lets go of held keys and buttons (before the session is left). */
  releaseAll(): void {
    this.keyboard.releaseAll();
    this.pointer.releaseAll();
  }

  private sendKeyEvents(events: KeyEvent[]): void {
    if (events.length === 0) return;
    this.withInputs((i) => i.keys(events).catch((e) => this.inputFailed(e)));
  }

  /** Runs `f` with the inputs channel while it is open. */
  private withInputs(f: (i: InputsClient) => unknown): void {
    const i = this.host.inputs();
    if (!i || i.closed) return;
    try {
      f(i);
    } catch (e) {
      this.inputFailed(e);
    }
  }

  private inputFailed(e: unknown): void {
    const err = toSpiceError(e, ErrorCode.INCONSISTENT);
    if (err.code !== ErrorCode.CLOSED) this.host.error(err);
  }
}
