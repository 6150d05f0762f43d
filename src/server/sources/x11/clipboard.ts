/**
 * The CLIPBOARD selection for the x11 source, both ways:
 * - a viewer's text: we take ownership with our own (InputOnly) window and
 *   answer SelectionRequest for TARGETS, UTF8_STRING, TEXT and STRING, writing
 *   large text as one Replace and then Appends of at most one request each;
 * - another X client's text: XFIXES tells us the owner changed, we
 *   ConvertSelection to UTF8_STRING (then STRING) into a property of our
 *   window and read it, following the INCR protocol for large transfers.
 */
import { ErrorCode, SpiceError } from '../../../protocol/errors.js';
import type { X11Connection } from './connection.js';
import {
  Ev, encodeChangeProperty, encodeConvertSelection, encodeDeleteProperty, encodeGetProperty, encodeSendSelectionNotify,
  encodeSetSelectionOwner, encodeInternAtom, parseAtomReply, parseGetProperty, parsePropertyNotify,
  parseSelectionClear, parseSelectionNotify, parseSelectionRequest, utf8Encoder, type SelectionRequest,
} from './protocol.js';
import { parseXFixesSelectionNotify } from './extensions.js';

const ATOM_NAMES = ['CLIPBOARD', 'UTF8_STRING', 'STRING', 'TEXT', 'TARGETS', 'INCR', 'ATOM', 'SPICE_TS_SELECTION'] as const;
type AtomName = (typeof ATOM_NAMES)[number];
const XA_ATOM = 4, XA_STRING = 31;

export interface ClipboardOptions {
  /** Largest text taken or given, in bytes (default 16 MiB). */
  maxBytes?: number;
  /** Give up reading another client's selection after this long (default 5 s). */
  timeoutMs?: number;
  log?: (msg: string) => void;
}

export class X11Clipboard {
  private atoms!: Record<AtomName, number>;
  private owned: Uint8Array | undefined; // our text as UTF-8 while we own CLIPBOARD
  private ownedText = '';
  private reading: { gen: number; target: number; incr?: Uint8Array[]; incrBytes?: number; newValue?: boolean; timer: ReturnType<typeof setTimeout> } | undefined;
  private gen = 0;
  private readonly maxBytes: number;
  private readonly timeoutMs: number;
  private readonly log: (msg: string) => void;

  constructor(
    private readonly conn: X11Connection,
    private readonly window: number,
    private readonly onText: (text: string | null) => void,
    opts: ClipboardOptions = {},
  ) {
    this.maxBytes = opts.maxBytes ?? 16 * 1024 * 1024;
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.log = opts.log ?? (() => {});
  }

  /** Interns the atoms; call once before anything else. */
  async init(): Promise<void> {
    const ids = await Promise.all(ATOM_NAMES.map((n) => this.conn.request(encodeInternAtom(n), `InternAtom ${n}`).then(parseAtomReply)));
    this.atoms = Object.fromEntries(ATOM_NAMES.map((n, i) => [n, ids[i]!])) as Record<AtomName, number>;
  }

  get selectionAtom(): number {
    return this.atoms.CLIPBOARD;
  }

  /** Takes CLIPBOARD ownership with `text`. */
  set(text: string): void {
    const bytes = utf8Encoder.encode(text);
    if (bytes.length > this.maxBytes) throw new SpiceError(ErrorCode.LIMIT, `clipboard text of ${bytes.length} bytes is over the ${this.maxBytes}-byte limit`);
    this.owned = bytes;
    this.ownedText = text;
    this.conn.send(encodeSetSelectionOwner(this.window, this.atoms.CLIPBOARD, 0));
  }

  /** Handles a core event if it is about selections; true when it was. */
  handleEvent(code: number, b: Uint8Array): boolean {
    switch (code) {
      case Ev.SelectionRequest: this.answer(parseSelectionRequest(b)); return true;
      case Ev.SelectionClear: {
        const e = parseSelectionClear(b);
        if (e.selection === this.atoms.CLIPBOARD) this.owned = undefined;
        return true;
      }
      case Ev.SelectionNotify: this.converted(b); return true;
      case Ev.PropertyNotify: this.propertyChanged(b); return true;
      default: return false;
    }
  }

  /**
   * An XFIXES SelectionNotify: someone took (or dropped) CLIPBOARD. An owner that
   * goes away (client exit, window destroyed) reports nothing: its text, already
   * read, stays with the viewers (like a clipboard manager), and a read still in
   * flight may finish (xclip -loops 1 exits right after answering). Only an
   * explicit SetSelectionOwner(None) clears.
   */
  handleOwnerChange(b: Uint8Array): void {
    const e = parseXFixesSelectionNotify(b);
    if (e.selection !== this.atoms.CLIPBOARD || e.subtype !== 0) return;
    if (e.owner === this.window) return; // our own set()
    this.cancelRead();
    this.owned = undefined;
    if (e.owner === 0) this.onText(null);
    else this.startRead(this.atoms.UTF8_STRING);
  }

  private answer(r: SelectionRequest): void {
    const a = this.atoms;
    const property = r.property || r.target; // obsolete requestors leave property None
    let ok = false;
    if (r.selection === a.CLIPBOARD && this.owned && r.owner === this.window) {
      if (r.target === a.TARGETS) {
        const list = new Uint8Array(16);
        const v = new DataView(list.buffer);
        [a.TARGETS, a.UTF8_STRING, a.TEXT, XA_STRING].forEach((t, i) => v.setUint32(4 * i, t, true));
        this.put(r.requestor, property, XA_ATOM, 32, list);
        ok = true;
      } else if (r.target === a.UTF8_STRING || r.target === a.TEXT) {
        this.put(r.requestor, property, a.UTF8_STRING, 8, this.owned);
        ok = true;
      } else if (r.target === XA_STRING || r.target === a.STRING) {
        this.put(r.requestor, property, XA_STRING, 8, Uint8Array.from(this.ownedText, (c) => (c.charCodeAt(0) <= 0xff ? c.charCodeAt(0) : 0x3f)));
        ok = true;
      }
    }
    this.conn.send(encodeSendSelectionNotify(r.requestor, r.selection, r.target, ok ? property : 0, r.time), () => {});
  }

  /** Writes a property in pieces that each fit in one request. */
  private put(window: number, property: number, type: number, format: 8 | 32, data: Uint8Array): void {
    const max = Math.min(256 * 1024, this.conn.setup.maxRequestLength * 4 - 64) & ~3;
    const ignore = () => {}; // the requestor may be gone already
    if (data.length === 0) { this.conn.send(encodeChangeProperty(0, window, property, type, format, data), ignore); return; }
    for (let o = 0; o < data.length; o += max) {
      this.conn.send(encodeChangeProperty(o === 0 ? 0 : 2, window, property, type, format, data.subarray(o, o + max)), ignore);
    }
  }

  private startRead(target: number): void {
    const gen = ++this.gen;
    const timer = setTimeout(() => {
      if (this.reading?.gen !== gen) return;
      this.log(`clipboard: the selection owner did not answer within ${this.timeoutMs} ms`);
      this.reading = undefined;
    }, this.timeoutMs);
    timer.unref?.();
    this.reading = { gen, target, timer };
    this.conn.send(encodeConvertSelection(this.window, this.atoms.CLIPBOARD, target, this.atoms.SPICE_TS_SELECTION, 0));
  }

  private cancelRead(): void {
    if (this.reading) clearTimeout(this.reading.timer);
    this.reading = undefined;
  }

  private converted(b: Uint8Array): void {
    const e = parseSelectionNotify(b);
    const r = this.reading;
    if (!r || e.requestor !== this.window || e.selection !== this.atoms.CLIPBOARD) return;
    if (e.property === 0) {
      this.cancelRead();
      if (r.target === this.atoms.UTF8_STRING) this.startRead(XA_STRING);
      else this.log('clipboard: the owner offers no text');
      return;
    }
    r.newValue = false;
    void this.fetch(r.gen, e.property);
  }

  /** Reads (and deletes) our property: the whole text, or the start of an INCR transfer. */
  private async fetch(gen: number, property: number): Promise<void> {
    let p;
    try {
      p = parseGetProperty(await this.conn.request(encodeGetProperty(true, this.window, property, 0, 0, Math.ceil(this.maxBytes / 4)), 'GetProperty'));
    } catch (e) {
      if (!this.conn.isClosed) this.log(`clipboard: ${(e as Error).message}`);
      return;
    }
    const r = this.reading;
    if (!r || r.gen !== gen) return;
    if (p.type === this.atoms.INCR) {
      // Deleting the property (done above) tells the owner to send the first piece.
      r.incr = [];
      r.incrBytes = 0;
      // A piece announced while this reply was on its way (same read from the socket).
      if (r.newValue) { r.newValue = false; void this.fetch(gen, property); }
      return;
    }
    if (r.incr) {
      if (p.type === 0) return; // nothing there (a spurious fetch)
      if (p.value.length === 0) return this.finish(r.target, concat(r.incr));
      r.incrBytes! += p.value.length;
      if (r.incrBytes! > this.maxBytes) {
        this.log(`clipboard: text over the ${this.maxBytes}-byte limit, dropped`);
        this.cancelRead();
        return;
      }
      r.incr.push(p.value.slice());
      return;
    }
    if (p.bytesAfter > 0) {
      this.log(`clipboard: text over the ${this.maxBytes}-byte limit, dropped`);
      this.conn.send(encodeDeleteProperty(this.window, property));
      this.cancelRead();
      return;
    }
    this.finish(p.type === XA_STRING ? XA_STRING : r.target, p.value);
  }

  private propertyChanged(b: Uint8Array): void {
    const e = parsePropertyNotify(b);
    const r = this.reading;
    // During INCR each new piece arrives as a NewValue of our property.
    if (!r || e.window !== this.window || e.atom !== this.atoms.SPICE_TS_SELECTION || e.deleted) return;
    if (r.incr) void this.fetch(r.gen, e.atom);
    else r.newValue = true;
  }

  private finish(target: number, bytes: Uint8Array): void {
    this.cancelRead();
    const text = target === XA_STRING ? new TextDecoder('latin1').decode(bytes) : new TextDecoder('utf-8').decode(bytes);
    this.onText(text);
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}
