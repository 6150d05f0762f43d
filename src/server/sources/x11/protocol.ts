/**
 * The core X11 protocol as far as the x11 display source needs it: the
 * connection setup exchange, request encoders and reply/event/error parsers.
 * Pure functions on bytes, no I/O. We always speak little-endian (byte-order
 * byte 'l'), so every multi-byte field here is little-endian; the image byte
 * order of the server is a separate matter (see pixels.ts).
 */
import { ErrorCode, SpiceError } from '../../../protocol/errors.js';

/** Core request opcodes used here. */
export const Op = {
  CreateWindow: 1,
  ChangeWindowAttributes: 2,
  DestroyWindow: 4,
  GetGeometry: 14,
  InternAtom: 16,
  ChangeProperty: 18,
  DeleteProperty: 19,
  GetProperty: 20,
  SetSelectionOwner: 22,
  GetSelectionOwner: 23,
  ConvertSelection: 24,
  SendEvent: 25,
  QueryPointer: 38,
  GetInputFocus: 43,
  GetImage: 73,
  QueryExtension: 98,
  GetKeyboardMapping: 101,
} as const;

/** Core event codes used here. */
export const Ev = {
  ConfigureNotify: 22,
  PropertyNotify: 28,
  SelectionClear: 29,
  SelectionRequest: 30,
  SelectionNotify: 31,
  GenericEvent: 35,
} as const;

export const EventMask = {
  StructureNotify: 0x20000,
  PropertyChange: 0x400000,
} as const;

/** Names of the core error codes, for messages. */
const ERROR_NAMES = [
  '', 'BadRequest', 'BadValue', 'BadWindow', 'BadPixmap', 'BadAtom', 'BadCursor', 'BadFont', 'BadMatch',
  'BadDrawable', 'BadAccess', 'BadAlloc', 'BadColor', 'BadGC', 'BadIDChoice', 'BadName', 'BadLength',
  'BadImplementation',
];
export const XErr = { BadValue: 2, BadWindow: 3, BadAtom: 5, BadMatch: 8, BadDrawable: 9, BadAccess: 10, BadAlloc: 11, BadLength: 16 } as const;

const pad4 = (n: number) => (n + 3) & ~3;

function need(b: Uint8Array, n: number, what: string): DataView {
  if (b.length < n) throw new SpiceError(ErrorCode.TRUNCATED, `X11 ${what}: ${b.length} bytes, need ${n}`);
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * One request: header (opcode, data byte, length in words) plus `body` bytes
 * filled by `fill` at offset 4. Requests longer than the core limit of 65535
 * words need BIG-REQUESTS, which we never use: callers split instead.
 */
export function encodeRequest(opcode: number, data: number, bodyBytes: number, fill?: (v: DataView, u8: Uint8Array) => void): Uint8Array {
  const total = pad4(4 + bodyBytes);
  if (total / 4 > 0xffff) throw new SpiceError(ErrorCode.ENCODE, `X11 request ${opcode} of ${total} bytes is over the 262140-byte limit`);
  const u8 = new Uint8Array(total);
  const v = new DataView(u8.buffer);
  v.setUint8(0, opcode);
  v.setUint8(1, data & 0xff);
  v.setUint16(2, total / 4, true);
  fill?.(v, u8);
  return u8;
}

const utf8 = new TextEncoder();
const latin1 = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);

// ---------------------------------------------------------------- setup

/** The connection setup request: byte order 'l', protocol 11.0, optional authorization. */
export function encodeSetupRequest(authName = '', authData: Uint8Array = new Uint8Array(0)): Uint8Array {
  const name = latin1(authName);
  const u8 = new Uint8Array(12 + pad4(name.length) + pad4(authData.length));
  const v = new DataView(u8.buffer);
  u8[0] = 0x6c; // 'l': little-endian
  v.setUint16(2, 11, true);
  v.setUint16(4, 0, true);
  v.setUint16(6, name.length, true);
  v.setUint16(8, authData.length, true);
  u8.set(name, 12);
  u8.set(authData, 12 + pad4(name.length));
  return u8;
}

export interface PixmapFormat { depth: number; bitsPerPixel: number; scanlinePad: number }
export interface VisualType { id: number; cls: number; bitsPerRgb: number; redMask: number; greenMask: number; blueMask: number }
export interface Screen {
  root: number;
  defaultColormap: number;
  width: number;
  height: number;
  widthMm: number;
  heightMm: number;
  rootVisual: number;
  rootDepth: number;
  /** depth -> visuals of that depth */
  depths: Map<number, VisualType[]>;
}
export interface SetupInfo {
  protocolMajor: number;
  protocolMinor: number;
  release: number;
  ridBase: number;
  ridMask: number;
  vendor: string;
  /** Largest request in 4-byte words (without BIG-REQUESTS). */
  maxRequestLength: number;
  /** 0 LSBFirst, 1 MSBFirst. */
  imageByteOrder: number;
  minKeycode: number;
  maxKeycode: number;
  formats: PixmapFormat[];
  screens: Screen[];
}

/** Total length of the setup reply whose first 8 bytes are `head`. */
export function setupReplyLength(head: Uint8Array): number {
  const v = need(head, 8, 'setup reply header');
  return 8 + 4 * v.getUint16(6, true);
}

/**
 * Parses the whole setup reply. Failure or an "authenticate further" answer
 * throws AUTH_FAILED carrying the server's reason.
 */
export function parseSetupReply(b: Uint8Array): SetupInfo {
  const v = need(b, 8, 'setup reply');
  const status = b[0]!;
  if (status !== 1) {
    const len = status === 0 ? b[1]! : b.length - 8;
    const reason = new TextDecoder('latin1').decode(b.subarray(8, Math.min(b.length, 8 + len))).replace(/\0+$/, '').trim();
    throw new SpiceError(ErrorCode.AUTH_FAILED, `X server refused the connection${status === 2 ? ' (asks for more authentication)' : ''}: ${reason || 'no reason given'}`);
  }
  need(b, 40, 'setup reply');
  const vendorLen = v.getUint16(24, true);
  const nScreens = b[28]!;
  const nFormats = b[29]!;
  let o = 40;
  need(b, o + pad4(vendorLen) + 8 * nFormats, 'setup reply vendor/formats');
  const vendor = new TextDecoder('latin1').decode(b.subarray(o, o + vendorLen));
  o += pad4(vendorLen);
  const formats: PixmapFormat[] = [];
  for (let i = 0; i < nFormats; i++, o += 8) formats.push({ depth: b[o]!, bitsPerPixel: b[o + 1]!, scanlinePad: b[o + 2]! });
  const screens: Screen[] = [];
  for (let s = 0; s < nScreens; s++) {
    need(b, o + 40, 'setup reply screen');
    const scr: Screen = {
      root: v.getUint32(o, true),
      defaultColormap: v.getUint32(o + 4, true),
      width: v.getUint16(o + 20, true),
      height: v.getUint16(o + 22, true),
      widthMm: v.getUint16(o + 24, true),
      heightMm: v.getUint16(o + 26, true),
      rootVisual: v.getUint32(o + 32, true),
      rootDepth: b[o + 38]!,
      depths: new Map(),
    };
    const nDepths = b[o + 39]!;
    o += 40;
    for (let d = 0; d < nDepths; d++) {
      need(b, o + 8, 'setup reply depth');
      const depth = b[o]!;
      const nVisuals = v.getUint16(o + 2, true);
      o += 8;
      need(b, o + 24 * nVisuals, 'setup reply visuals');
      const list: VisualType[] = [];
      for (let i = 0; i < nVisuals; i++, o += 24) {
        list.push({
          id: v.getUint32(o, true), cls: b[o + 4]!, bitsPerRgb: b[o + 5]!,
          redMask: v.getUint32(o + 8, true), greenMask: v.getUint32(o + 12, true), blueMask: v.getUint32(o + 16, true),
        });
      }
      scr.depths.set(depth, list);
    }
    screens.push(scr);
  }
  return {
    protocolMajor: v.getUint16(2, true),
    protocolMinor: v.getUint16(4, true),
    release: v.getUint32(8, true),
    ridBase: v.getUint32(12, true),
    ridMask: v.getUint32(16, true),
    vendor,
    maxRequestLength: v.getUint16(26, true),
    imageByteOrder: b[30]!,
    minKeycode: b[34]!,
    maxKeycode: b[35]!,
    formats,
    screens,
  };
}

export function findVisual(s: Screen, id: number): VisualType | undefined {
  for (const list of s.depths.values()) for (const vis of list) if (vis.id === id) return vis;
  return undefined;
}

// ---------------------------------------------------------------- errors

export interface XError {
  code: number;
  sequence: number;
  badValue: number;
  minorOpcode: number;
  majorOpcode: number;
}

export function parseError(b: Uint8Array): XError {
  const v = need(b, 32, 'error');
  return { code: b[1]!, sequence: v.getUint16(2, true), badValue: v.getUint32(4, true), minorOpcode: v.getUint16(8, true), majorOpcode: b[10]! };
}

export function describeXError(e: XError, names: (major: number, code: number) => string | undefined = () => undefined): string {
  const name = ERROR_NAMES[e.code] ?? names(e.majorOpcode, e.code) ?? `error ${e.code}`;
  return `X error ${name} (request ${e.majorOpcode}.${e.minorOpcode}, value 0x${e.badValue.toString(16)}, sequence ${e.sequence})`;
}

// ---------------------------------------------------------------- core requests

export function encodeQueryExtension(name: string): Uint8Array {
  const n = latin1(name);
  return encodeRequest(Op.QueryExtension, 0, 4 + n.length, (v, u8) => { v.setUint16(4, n.length, true); u8.set(n, 8); });
}
export interface ExtensionInfo { present: boolean; majorOpcode: number; firstEvent: number; firstError: number }
export function parseQueryExtension(b: Uint8Array): ExtensionInfo {
  need(b, 32, 'QueryExtension reply');
  return { present: b[8] !== 0, majorOpcode: b[9]!, firstEvent: b[10]!, firstError: b[11]! };
}

export function encodeInternAtom(name: string, onlyIfExists = false): Uint8Array {
  const n = latin1(name);
  return encodeRequest(Op.InternAtom, onlyIfExists ? 1 : 0, 4 + n.length, (v, u8) => { v.setUint16(4, n.length, true); u8.set(n, 8); });
}
export const parseAtomReply = (b: Uint8Array): number => need(b, 32, 'InternAtom reply').getUint32(8, true);

export function encodeGetGeometry(drawable: number): Uint8Array {
  return encodeRequest(Op.GetGeometry, 0, 4, (v) => v.setUint32(4, drawable, true));
}
export interface Geometry { depth: number; root: number; x: number; y: number; width: number; height: number }
export function parseGetGeometry(b: Uint8Array): Geometry {
  const v = need(b, 32, 'GetGeometry reply');
  return { depth: b[1]!, root: v.getUint32(8, true), x: v.getInt16(12, true), y: v.getInt16(14, true), width: v.getUint16(16, true), height: v.getUint16(18, true) };
}

/** GetImage in ZPixmap format (2), all planes. */
export function encodeGetImage(drawable: number, x: number, y: number, width: number, height: number, planeMask = 0xffffffff): Uint8Array {
  return encodeRequest(Op.GetImage, 2, 16, (v) => {
    v.setUint32(4, drawable, true);
    v.setInt16(8, x, true);
    v.setInt16(10, y, true);
    v.setUint16(12, width, true);
    v.setUint16(14, height, true);
    v.setUint32(16, planeMask >>> 0, true);
  });
}
export interface ImageReply { depth: number; visual: number; data: Uint8Array }
export function parseGetImage(b: Uint8Array): ImageReply {
  const v = need(b, 32, 'GetImage reply');
  const len = 32 + 4 * v.getUint32(4, true);
  if (b.length < len) throw new SpiceError(ErrorCode.TRUNCATED, `X11 GetImage reply: ${b.length} bytes, header says ${len}`);
  return { depth: b[1]!, visual: v.getUint32(8, true), data: b.subarray(32, len) };
}
/** The same for a reply in pieces (X11Connection.requestParts): the data's size; it starts 32 bytes in. */
export function parseGetImageParts(parts: readonly Uint8Array[]): { depth: number; visual: number; dataBytes: number } {
  let head = parts[0] ?? new Uint8Array(0);
  if (head.length < 32 && parts.length > 1) {
    head = new Uint8Array(32);
    let o = 0;
    for (const p of parts) { const k = Math.min(p.length, 32 - o); head.set(p.subarray(0, k), o); o += k; if (o === 32) break; }
    if (o < 32) head = head.subarray(0, o);
  }
  const v = need(head, 32, 'GetImage reply');
  const len = 32 + 4 * v.getUint32(4, true);
  let total = 0;
  for (const p of parts) total += p.length;
  if (total < len) throw new SpiceError(ErrorCode.TRUNCATED, `X11 GetImage reply: ${total} bytes, header says ${len}`);
  return { depth: head[1]!, visual: v.getUint32(8, true), dataBytes: len - 32 };
}

export function encodeQueryPointer(window: number): Uint8Array {
  return encodeRequest(Op.QueryPointer, 0, 4, (v) => v.setUint32(4, window, true));
}
export interface PointerReply { sameScreen: boolean; root: number; child: number; rootX: number; rootY: number; mask: number }
export function parseQueryPointer(b: Uint8Array): PointerReply {
  const v = need(b, 32, 'QueryPointer reply');
  return { sameScreen: b[1] !== 0, root: v.getUint32(8, true), child: v.getUint32(12, true), rootX: v.getInt16(16, true), rootY: v.getInt16(18, true), mask: v.getUint16(24, true) };
}

/** GetInputFocus: used as a round trip ("sync"); its reply is ignored. */
export const encodeGetInputFocus = (): Uint8Array => encodeRequest(Op.GetInputFocus, 0, 0);

/** An InputOnly child of `parent`, 1x1 at -1,-1, with `eventMask` selected. */
export function encodeCreateInputOnlyWindow(wid: number, parent: number, eventMask: number): Uint8Array {
  return encodeRequest(Op.CreateWindow, 0, 32, (v) => {
    v.setUint32(4, wid, true);
    v.setUint32(8, parent, true);
    v.setInt16(12, -1, true);
    v.setInt16(14, -1, true);
    v.setUint16(16, 1, true);
    v.setUint16(18, 1, true);
    v.setUint16(20, 0, true); // border width
    v.setUint16(22, 2, true); // InputOnly
    v.setUint32(24, 0, true); // CopyFromParent visual
    v.setUint32(28, 0x800, true); // CWEventMask
    v.setUint32(32, eventMask >>> 0, true);
  });
}
export const encodeDestroyWindow = (wid: number): Uint8Array => encodeRequest(Op.DestroyWindow, 0, 4, (v) => v.setUint32(4, wid, true));

export function encodeSelectEvents(window: number, eventMask: number): Uint8Array {
  return encodeRequest(Op.ChangeWindowAttributes, 0, 12, (v) => {
    v.setUint32(4, window, true);
    v.setUint32(8, 0x800, true);
    v.setUint32(12, eventMask >>> 0, true);
  });
}

/** ChangeProperty; mode 0 Replace, 2 Append. `data` is in units of `format` bits. */
export function encodeChangeProperty(mode: number, window: number, property: number, type: number, format: 8 | 16 | 32, data: Uint8Array): Uint8Array {
  return encodeRequest(Op.ChangeProperty, mode, 20 + data.length, (v, u8) => {
    v.setUint32(4, window, true);
    v.setUint32(8, property, true);
    v.setUint32(12, type, true);
    v.setUint8(16, format);
    v.setUint32(20, data.length / (format / 8), true);
    u8.set(data, 24);
  });
}
export function encodeDeleteProperty(window: number, property: number): Uint8Array {
  return encodeRequest(Op.DeleteProperty, 0, 8, (v) => { v.setUint32(4, window, true); v.setUint32(8, property, true); });
}
export function encodeGetProperty(del: boolean, window: number, property: number, type: number, longOffset: number, longLength: number): Uint8Array {
  return encodeRequest(Op.GetProperty, del ? 1 : 0, 20, (v) => {
    v.setUint32(4, window, true);
    v.setUint32(8, property, true);
    v.setUint32(12, type, true);
    v.setUint32(16, longOffset, true);
    v.setUint32(20, longLength, true);
  });
}
export interface PropertyReply { format: number; type: number; bytesAfter: number; value: Uint8Array }
export function parseGetProperty(b: Uint8Array): PropertyReply {
  const v = need(b, 32, 'GetProperty reply');
  const format = b[1]!;
  const n = v.getUint32(16, true);
  const bytes = format === 0 ? 0 : n * (format / 8);
  if (format !== 0 && format !== 8 && format !== 16 && format !== 32) throw new SpiceError(ErrorCode.INCONSISTENT, `X11 GetProperty reply: format ${format}`);
  if (32 + bytes > b.length) throw new SpiceError(ErrorCode.TRUNCATED, `X11 GetProperty reply: ${n} items of ${format} bits do not fit in ${b.length - 32} bytes`);
  return { format, type: v.getUint32(8, true), bytesAfter: v.getUint32(12, true), value: b.subarray(32, 32 + bytes) };
}

export function encodeSetSelectionOwner(owner: number, selection: number, time = 0): Uint8Array {
  return encodeRequest(Op.SetSelectionOwner, 0, 12, (v) => { v.setUint32(4, owner, true); v.setUint32(8, selection, true); v.setUint32(12, time, true); });
}
export function encodeGetSelectionOwner(selection: number): Uint8Array {
  return encodeRequest(Op.GetSelectionOwner, 0, 4, (v) => v.setUint32(4, selection, true));
}
export function encodeConvertSelection(requestor: number, selection: number, target: number, property: number, time = 0): Uint8Array {
  return encodeRequest(Op.ConvertSelection, 0, 20, (v) => {
    v.setUint32(4, requestor, true);
    v.setUint32(8, selection, true);
    v.setUint32(12, target, true);
    v.setUint32(16, property, true);
    v.setUint32(20, time, true);
  });
}
/** SendEvent of a SelectionNotify (the answer to a SelectionRequest); property 0 = refused. */
export function encodeSendSelectionNotify(requestor: number, selection: number, target: number, property: number, time: number): Uint8Array {
  return encodeRequest(Op.SendEvent, 0, 40, (v) => {
    v.setUint32(4, requestor, true);
    v.setUint32(8, 0, true); // no event mask: goes to the window's creator
    v.setUint8(12, Ev.SelectionNotify);
    v.setUint32(16, time, true);
    v.setUint32(20, requestor, true);
    v.setUint32(24, selection, true);
    v.setUint32(28, target, true);
    v.setUint32(32, property, true);
  });
}

export function encodeGetKeyboardMapping(first: number, count: number): Uint8Array {
  return encodeRequest(Op.GetKeyboardMapping, 0, 4, (v) => { v.setUint8(4, first); v.setUint8(5, count); });
}
/** keysyms[i] = the keysyms of keycode first+i. */
export function parseGetKeyboardMapping(b: Uint8Array): number[][] {
  const v = need(b, 32, 'GetKeyboardMapping reply');
  const per = b[1]!;
  const words = v.getUint32(4, true);
  need(b, 32 + 4 * words, 'GetKeyboardMapping reply');
  const out: number[][] = [];
  if (per === 0) return out;
  for (let i = 0; i + per <= words; i += per) {
    const row: number[] = [];
    for (let j = 0; j < per; j++) row.push(v.getUint32(32 + 4 * (i + j), true));
    out.push(row);
  }
  return out;
}

// ---------------------------------------------------------------- events

export interface ConfigureNotify { window: number; x: number; y: number; width: number; height: number }
export function parseConfigureNotify(b: Uint8Array): ConfigureNotify {
  const v = need(b, 32, 'ConfigureNotify');
  return { window: v.getUint32(8, true), x: v.getInt16(16, true), y: v.getInt16(18, true), width: v.getUint16(20, true), height: v.getUint16(22, true) };
}
export interface SelectionRequest { time: number; owner: number; requestor: number; selection: number; target: number; property: number }
export function parseSelectionRequest(b: Uint8Array): SelectionRequest {
  const v = need(b, 32, 'SelectionRequest');
  return { time: v.getUint32(4, true), owner: v.getUint32(8, true), requestor: v.getUint32(12, true), selection: v.getUint32(16, true), target: v.getUint32(20, true), property: v.getUint32(24, true) };
}
export interface SelectionNotify { time: number; requestor: number; selection: number; target: number; property: number }
export function parseSelectionNotify(b: Uint8Array): SelectionNotify {
  const v = need(b, 32, 'SelectionNotify');
  return { time: v.getUint32(4, true), requestor: v.getUint32(8, true), selection: v.getUint32(12, true), target: v.getUint32(16, true), property: v.getUint32(20, true) };
}
export interface PropertyNotify { window: number; atom: number; time: number; deleted: boolean }
export function parsePropertyNotify(b: Uint8Array): PropertyNotify {
  const v = need(b, 32, 'PropertyNotify');
  return { window: v.getUint32(4, true), atom: v.getUint32(8, true), time: v.getUint32(12, true), deleted: b[16] === 1 };
}
export interface SelectionClear { time: number; owner: number; selection: number }
export function parseSelectionClear(b: Uint8Array): SelectionClear {
  const v = need(b, 32, 'SelectionClear');
  return { time: v.getUint32(4, true), owner: v.getUint32(8, true), selection: v.getUint32(12, true) };
}

export { utf8 as utf8Encoder, latin1 as latin1Bytes };
