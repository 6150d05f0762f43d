/**
 * What the server shows: a display source. A source owns a frame buffer of
 * 0xAARRGGBB words (alpha ignored), tells the server which rectangles changed,
 * what the cursor looks like and where it is, and takes the viewers' input.
 *
 * The server reads pixels straight out of `frame()` when it encodes, so a
 * source must not change pixels inside a rectangle between reporting it and
 * the server's next `capture()` call; sources that draw continuously (demo)
 * draw in their own tick and report the damage afterwards.
 */

export interface SourceRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface SourceFrame {
  width: number;
  height: number;
  /** 0xAARRGGBB words, top-down; alpha is not shown. */
  pixels: Uint32Array;
  /** Words per row (>= width). */
  stride: number;
}

export interface SourceCursor {
  width: number;
  height: number;
  hotX: number;
  hotY: number;
  /** 0xAARRGGBB, straight (not premultiplied) alpha, width*height words. */
  pixels: Uint32Array;
}

/** The server's side of the conversation; a source calls these. */
export interface SourceSink {
  /** Pixels inside these rectangles changed (source coordinates, clipped by the server). */
  damage(rects: SourceRect[]): void;
  /**
   * The rectangle `src` was moved to (dst.x, dst.y) (a scroll or window move). Sent as
   * COPY_BITS, so viewers copy pixels they already have. Call before damaging anything else
   * inside either rectangle.
   */
  move?(src: SourceRect, dstX: number, dstY: number): void;
  /** The frame size changed; the server recreates the primary surface. */
  resized(width: number, height: number): void;
  /** A new cursor shape, or null to hide it. */
  cursor(shape: SourceCursor | null): void;
  /** Where the pointer is (server mouse mode reports it to viewers). */
  pointer(x: number, y: number): void;
  /** Text the source's clipboard now holds (null: cleared). */
  clipboard?(text: string | null): void;
  /** The source failed or ended; the server logs it and stops showing it. */
  error(err: Error): void;
}

export interface KeyEvent {
  /** PC/AT set-1 scancode; extended keys are 0xE0xx (0xE11D for Pause). */
  scancode: number;
  down: boolean;
  /** KeyboardEvent.code-style name for the scancode ('KeyA', 'ControlLeft'), when known. */
  code?: string;
}

export interface PointerEvent {
  x: number;
  y: number;
  /** Buttons held: bit 0 left, 1 middle, 2 right, 3 side/back, 4 extra/forward (SPICE mask bits). */
  buttons: number;
  /** Wheel clicks in this event: negative up, positive down. */
  wheel?: number;
}

export interface DisplaySource {
  /** A short name for logs and --stats ('demo', 'x11::99'). */
  readonly name: string;
  /** Starts the source; it reports through `sink` from now on. */
  start(sink: SourceSink): Promise<void>;
  /** The current frame. Its object may change after `resized`. */
  frame(): SourceFrame;
  /**
   * Brings these rectangles of `frame()` up to date before the server encodes them
   * (x11 reads them from the X server). Sources whose frame is always current omit it.
   */
  capture?(rects: SourceRect[]): Promise<void>;
  /**
   * The RGB colour (0xRRGGBB) of every pixel of the box [x0, x1) x [y0, y1) of `frame()`
   * when the source knows it (x11: the box was just read as one fill), else -1. The
   * display channel then sends a fill without scanning the pixels. Optional.
   */
  solidColour?(box: { x0: number; y0: number; x1: number; y1: number }): number;
  /** The current cursor, or null when hidden / unknown. */
  cursor(): SourceCursor | null;
  key?(ev: KeyEvent): void;
  pointer?(ev: PointerEvent): void;
  /** A viewer asks for this screen size (agent monitors config); the source may ignore it. */
  resizeRequest?(width: number, height: number): void;
  /** A viewer put this text on its clipboard. */
  setClipboard?(text: string): void;
  /**
   * Whether some viewer shows the pointer where the source says (server mouse mode): the
   * source should then report every position change, also those it only learns by asking
   * (x11: pointer warps, which raise no input event). The server calls it on every change.
   */
  pointerFollowed?(followed: boolean): void;
  stop(): Promise<void>;
}
