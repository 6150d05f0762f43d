/**
 * The X extensions the x11 source uses, as request encoders and reply/event
 * parsers: DAMAGE (what changed), XFIXES (regions, cursor image, selection
 * owner changes), XTEST (synthetic input), RandR (screen size) and XInput 2
 * (raw pointer motion, so the pointer is asked for only when it moved). Each
 * request goes to the extension's major opcode (from QueryExtension) with a
 * minor opcode in the data byte. Little-endian, like protocol.ts.
 */
import { ErrorCode, SpiceError } from '../../../protocol/errors.js';
import { encodeRequest, latin1Bytes } from './protocol.js';

function need(b: Uint8Array, n: number, what: string): DataView {
  if (b.length < n) throw new SpiceError(ErrorCode.TRUNCATED, `X11 ${what}: ${b.length} bytes, need ${n}`);
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** Words after the 32-byte header, as the reply says, checked against what arrived. */
function replyWords(b: Uint8Array, what: string): number {
  const v = need(b, 32, what);
  const words = v.getUint32(4, true);
  need(b, 32 + 4 * words, what);
  return words;
}

export interface Rect { x: number; y: number; width: number; height: number }

function readRect(v: DataView, o: number): Rect {
  return { x: v.getInt16(o, true), y: v.getInt16(o + 2, true), width: v.getUint16(o + 4, true), height: v.getUint16(o + 6, true) };
}

/** QueryVersion of DAMAGE, XFIXES and RandR alike: two CARD32s in, two out. */
export function encodeQueryVersion(major: number, clientMajor: number, clientMinor: number): Uint8Array {
  return encodeRequest(major, 0, 8, (v) => { v.setUint32(4, clientMajor, true); v.setUint32(8, clientMinor, true); });
}
export function parseQueryVersion(b: Uint8Array): { major: number; minor: number } {
  const v = need(b, 32, 'QueryVersion reply');
  return { major: v.getUint32(8, true), minor: v.getUint32(12, true) };
}

// ---------------------------------------------------------------- DAMAGE

export const DamageLevel = { RawRectangles: 0, DeltaRectangles: 1, BoundingBox: 2, NonEmpty: 3 } as const;

export function encodeDamageCreate(major: number, damage: number, drawable: number, level: number): Uint8Array {
  return encodeRequest(major, 1, 12, (v) => { v.setUint32(4, damage, true); v.setUint32(8, drawable, true); v.setUint8(12, level); });
}
export function encodeDamageDestroy(major: number, damage: number): Uint8Array {
  return encodeRequest(major, 2, 4, (v) => v.setUint32(4, damage, true));
}
/** Subtract `repair` (0 = everything) from the damage, storing what was removed in region `parts` (0 = nowhere). */
export function encodeDamageSubtract(major: number, damage: number, repair: number, parts: number): Uint8Array {
  return encodeRequest(major, 3, 12, (v) => { v.setUint32(4, damage, true); v.setUint32(8, repair, true); v.setUint32(12, parts, true); });
}
export interface DamageNotify { level: number; more: boolean; drawable: number; damage: number; timestamp: number; area: Rect; geometry: Rect }
export function parseDamageNotify(b: Uint8Array): DamageNotify {
  const v = need(b, 32, 'DamageNotify');
  return {
    level: b[1]! & 0x7f, more: (b[1]! & 0x80) !== 0,
    drawable: v.getUint32(4, true), damage: v.getUint32(8, true), timestamp: v.getUint32(12, true),
    area: readRect(v, 16), geometry: readRect(v, 24),
  };
}

// ---------------------------------------------------------------- XFIXES

export const XFixesMask = { SetSelectionOwner: 1, SelectionWindowDestroy: 2, SelectionClientClose: 4, DisplayCursor: 1 } as const;

export function encodeSelectSelectionInput(major: number, window: number, selection: number, mask: number): Uint8Array {
  return encodeRequest(major, 2, 12, (v) => { v.setUint32(4, window, true); v.setUint32(8, selection, true); v.setUint32(12, mask, true); });
}
export function encodeSelectCursorInput(major: number, window: number, mask: number): Uint8Array {
  return encodeRequest(major, 3, 8, (v) => { v.setUint32(4, window, true); v.setUint32(8, mask, true); });
}
export const encodeGetCursorImage = (major: number): Uint8Array => encodeRequest(major, 4, 0);

export interface CursorImage { x: number; y: number; width: number; height: number; xhot: number; yhot: number; serial: number; argb: Uint32Array }
/** The cursor as XFIXES gives it: premultiplied ARGB words (see pixels.ts for straight alpha). */
export function parseGetCursorImage(b: Uint8Array, maxPixels = 1 << 20): CursorImage {
  const words = replyWords(b, 'GetCursorImage reply');
  const v = need(b, 32, 'GetCursorImage reply');
  const width = v.getUint16(12, true), height = v.getUint16(14, true);
  if (width * height > maxPixels) throw new SpiceError(ErrorCode.LIMIT, `X11 cursor ${width}x${height} is over the ${maxPixels}-pixel limit`);
  if (width * height > words) throw new SpiceError(ErrorCode.INCONSISTENT, `X11 cursor ${width}x${height} but only ${words} words of image`);
  const argb = new Uint32Array(width * height);
  for (let i = 0; i < argb.length; i++) argb[i] = v.getUint32(32 + 4 * i, true);
  return {
    x: v.getInt16(8, true), y: v.getInt16(10, true), width, height,
    xhot: v.getUint16(16, true), yhot: v.getUint16(18, true), serial: v.getUint32(20, true), argb,
  };
}

export function encodeCreateRegion(major: number, region: number, rects: readonly Rect[] = []): Uint8Array {
  return encodeRequest(major, 5, 4 + 8 * rects.length, (v) => {
    v.setUint32(4, region, true);
    rects.forEach((r, i) => {
      const o = 8 + 8 * i;
      v.setInt16(o, r.x, true); v.setInt16(o + 2, r.y, true); v.setUint16(o + 4, r.width, true); v.setUint16(o + 6, r.height, true);
    });
  });
}
export function encodeDestroyRegion(major: number, region: number): Uint8Array {
  return encodeRequest(major, 10, 4, (v) => v.setUint32(4, region, true));
}
export function encodeFetchRegion(major: number, region: number): Uint8Array {
  return encodeRequest(major, 19, 4, (v) => v.setUint32(4, region, true));
}
export function parseFetchRegion(b: Uint8Array): { extents: Rect; rects: Rect[] } {
  const words = replyWords(b, 'FetchRegion reply');
  const v = need(b, 32, 'FetchRegion reply');
  if (words % 2 !== 0) throw new SpiceError(ErrorCode.INCONSISTENT, `X11 FetchRegion reply: ${words} words is not a whole number of rectangles`);
  const rects: Rect[] = [];
  for (let i = 0; i < words / 2; i++) rects.push(readRect(v, 32 + 8 * i));
  return { extents: readRect(v, 8), rects };
}

export interface XFixesSelectionNotify { subtype: number; window: number; owner: number; selection: number; timestamp: number; selectionTimestamp: number }
export function parseXFixesSelectionNotify(b: Uint8Array): XFixesSelectionNotify {
  const v = need(b, 32, 'XFixesSelectionNotify');
  return { subtype: b[1]!, window: v.getUint32(4, true), owner: v.getUint32(8, true), selection: v.getUint32(12, true), timestamp: v.getUint32(16, true), selectionTimestamp: v.getUint32(20, true) };
}
export interface XFixesCursorNotify { subtype: number; window: number; serial: number; timestamp: number; name: number }
export function parseXFixesCursorNotify(b: Uint8Array): XFixesCursorNotify {
  const v = need(b, 32, 'XFixesCursorNotify');
  return { subtype: b[1]!, window: v.getUint32(4, true), serial: v.getUint32(8, true), timestamp: v.getUint32(12, true), name: v.getUint32(16, true) };
}

// ---------------------------------------------------------------- XTEST

export const FakeType = { KeyPress: 2, KeyRelease: 3, ButtonPress: 4, ButtonRelease: 5, MotionNotify: 6 } as const;

export function encodeXTestGetVersion(major: number): Uint8Array {
  return encodeRequest(major, 0, 4, (v) => { v.setUint8(4, 2); v.setUint16(6, 2, true); });
}
/** FakeInput: key (detail = keycode), button (detail = button), absolute motion to (x, y) on `root`. */
export function encodeFakeInput(major: number, type: number, detail: number, root = 0, x = 0, y = 0): Uint8Array {
  return encodeRequest(major, 2, 32, (v) => {
    v.setUint8(4, type);
    v.setUint8(5, detail);
    v.setUint32(8, 0, true); // CurrentTime
    v.setUint32(12, root, true);
    v.setInt16(24, x, true);
    v.setInt16(26, y, true);
  });
}

// ---------------------------------------------------------------- XInput 2

/** XI2 event types used here, and the device sets of XISelectEvents. */
export const XI = { RawMotion: 17, AllDevices: 0, AllMasterDevices: 1 } as const;

/** XIQueryVersion (minor 47): announces the XI2 version we speak (CARD16s, unlike the other QueryVersions). */
export function encodeXIQueryVersion(major: number, clientMajor: number, clientMinor: number): Uint8Array {
  return encodeRequest(major, 47, 4, (v) => { v.setUint16(4, clientMajor, true); v.setUint16(6, clientMinor, true); });
}
export function parseXIQueryVersion(b: Uint8Array): { major: number; minor: number } {
  const v = need(b, 32, 'XIQueryVersion reply');
  return { major: v.getUint16(8, true), minor: v.getUint16(10, true) };
}
/** XISelectEvents (minor 46) on `window` for one device set: a one-word mask of the event types. */
export function encodeXISelectEvents(major: number, window: number, deviceId: number, types: readonly number[]): Uint8Array {
  let mask = 0;
  for (const t of types) {
    if (t < 0 || t > 31) throw new SpiceError(ErrorCode.ENCODE, `XI2 event type ${t} does not fit a one-word mask`);
    mask |= 1 << t;
  }
  return encodeRequest(major, 46, 16, (v) => {
    v.setUint32(4, window, true);
    v.setUint16(8, 1, true); // one mask
    v.setUint16(12, deviceId, true);
    v.setUint16(14, 1, true); // mask length in words
    v.setUint32(16, mask >>> 0, true);
  });
}
/** The head of a GenericEvent (code 35): which extension sent it and its event type. */
export function parseGenericEvent(b: Uint8Array): { extension: number; evtype: number } {
  const v = need(b, 32, 'GenericEvent');
  return { extension: b[1]!, evtype: v.getUint16(8, true) };
}

// ---------------------------------------------------------------- RandR

export interface ModeInfo { id: number; width: number; height: number; dotClock: number; hSyncStart: number; hSyncEnd: number; hTotal: number; hSkew: number; vSyncStart: number; vSyncEnd: number; vTotal: number; flags: number; name: string }

export function encodeRRGetScreenSizeRange(major: number, window: number): Uint8Array {
  return encodeRequest(major, 6, 4, (v) => v.setUint32(4, window, true));
}
export function parseRRGetScreenSizeRange(b: Uint8Array): { minWidth: number; minHeight: number; maxWidth: number; maxHeight: number } {
  const v = need(b, 32, 'RRGetScreenSizeRange reply');
  return { minWidth: v.getUint16(8, true), minHeight: v.getUint16(10, true), maxWidth: v.getUint16(12, true), maxHeight: v.getUint16(14, true) };
}
export function encodeRRSetScreenSize(major: number, window: number, width: number, height: number, widthMm: number, heightMm: number): Uint8Array {
  return encodeRequest(major, 7, 16, (v) => {
    v.setUint32(4, window, true);
    v.setUint16(8, width, true);
    v.setUint16(10, height, true);
    v.setUint32(12, widthMm, true);
    v.setUint32(16, heightMm, true);
  });
}
/** GetScreenResourcesCurrent (RandR 1.3): does not make the server probe outputs. */
export function encodeRRGetScreenResourcesCurrent(major: number, window: number): Uint8Array {
  return encodeRequest(major, 25, 4, (v) => v.setUint32(4, window, true));
}
export interface ScreenResources { timestamp: number; configTimestamp: number; crtcs: number[]; outputs: number[]; modes: ModeInfo[] }
export function parseRRGetScreenResources(b: Uint8Array): ScreenResources {
  replyWords(b, 'RRGetScreenResources reply');
  const v = need(b, 32, 'RRGetScreenResources reply');
  const nc = v.getUint16(16, true), no = v.getUint16(18, true), nm = v.getUint16(20, true), namesLen = v.getUint16(22, true);
  let o = 32;
  need(b, o + 4 * nc + 4 * no + 32 * nm + namesLen, 'RRGetScreenResources reply');
  const crtcs: number[] = [], outputs: number[] = [], modes: ModeInfo[] = [];
  for (let i = 0; i < nc; i++, o += 4) crtcs.push(v.getUint32(o, true));
  for (let i = 0; i < no; i++, o += 4) outputs.push(v.getUint32(o, true));
  const nameLens: number[] = [];
  for (let i = 0; i < nm; i++, o += 32) {
    nameLens.push(v.getUint16(o + 28, true));
    modes.push({
      id: v.getUint32(o, true), width: v.getUint16(o + 4, true), height: v.getUint16(o + 6, true), dotClock: v.getUint32(o + 8, true),
      hSyncStart: v.getUint16(o + 12, true), hSyncEnd: v.getUint16(o + 14, true), hTotal: v.getUint16(o + 16, true), hSkew: v.getUint16(o + 18, true),
      vSyncStart: v.getUint16(o + 20, true), vSyncEnd: v.getUint16(o + 22, true), vTotal: v.getUint16(o + 24, true), flags: v.getUint32(o + 28, true), name: '',
    });
  }
  const dec = new TextDecoder('latin1');
  for (let i = 0; i < nm; i++) {
    const end = Math.min(o + nameLens[i]!, 32 + 4 * v.getUint32(4, true));
    modes[i]!.name = dec.decode(b.subarray(o, end));
    o += nameLens[i]!;
  }
  return { timestamp: v.getUint32(8, true), configTimestamp: v.getUint32(12, true), crtcs, outputs, modes };
}
export function encodeRRGetCrtcInfo(major: number, crtc: number, configTimestamp: number): Uint8Array {
  return encodeRequest(major, 20, 8, (v) => { v.setUint32(4, crtc, true); v.setUint32(8, configTimestamp, true); });
}
export interface CrtcInfo { status: number; timestamp: number; x: number; y: number; width: number; height: number; mode: number; rotation: number; outputs: number[]; possible: number[] }
export function parseRRGetCrtcInfo(b: Uint8Array): CrtcInfo {
  replyWords(b, 'RRGetCrtcInfo reply');
  const v = need(b, 32, 'RRGetCrtcInfo reply');
  const no = v.getUint16(28, true), np = v.getUint16(30, true);
  need(b, 32 + 4 * (no + np), 'RRGetCrtcInfo reply');
  const outputs: number[] = [], possible: number[] = [];
  for (let i = 0; i < no; i++) outputs.push(v.getUint32(32 + 4 * i, true));
  for (let i = 0; i < np; i++) possible.push(v.getUint32(32 + 4 * (no + i), true));
  return {
    status: b[1]!, timestamp: v.getUint32(8, true), x: v.getInt16(12, true), y: v.getInt16(14, true),
    width: v.getUint16(16, true), height: v.getUint16(18, true), mode: v.getUint32(20, true), rotation: v.getUint16(24, true), outputs, possible,
  };
}
export function encodeRRGetOutputInfo(major: number, output: number, configTimestamp: number): Uint8Array {
  return encodeRequest(major, 9, 8, (v) => { v.setUint32(4, output, true); v.setUint32(8, configTimestamp, true); });
}
export interface OutputInfo { status: number; crtc: number; connection: number; crtcs: number[]; modes: number[]; name: string }
export function parseRRGetOutputInfo(b: Uint8Array): OutputInfo {
  replyWords(b, 'RRGetOutputInfo reply');
  const v = need(b, 36, 'RRGetOutputInfo reply');
  const nc = v.getUint16(26, true), nm = v.getUint16(28, true), ncl = v.getUint16(32, true), nameLen = v.getUint16(34, true);
  let o = 36;
  need(b, o + 4 * (nc + nm + ncl) + nameLen, 'RRGetOutputInfo reply');
  const crtcs: number[] = [], modes: number[] = [];
  for (let i = 0; i < nc; i++, o += 4) crtcs.push(v.getUint32(o, true));
  for (let i = 0; i < nm; i++, o += 4) modes.push(v.getUint32(o, true));
  o += 4 * ncl;
  return { status: b[1]!, crtc: v.getUint32(12, true), connection: b[24]!, crtcs, modes, name: new TextDecoder('latin1').decode(b.subarray(o, o + nameLen)) };
}
export function encodeRRCreateMode(major: number, window: number, m: Omit<ModeInfo, 'id'>): Uint8Array {
  const name = latin1Bytes(m.name);
  return encodeRequest(major, 16, 36 + name.length, (v, u8) => {
    v.setUint32(4, window, true);
    const o = 8;
    v.setUint32(o, 0, true);
    v.setUint16(o + 4, m.width, true); v.setUint16(o + 6, m.height, true); v.setUint32(o + 8, m.dotClock, true);
    v.setUint16(o + 12, m.hSyncStart, true); v.setUint16(o + 14, m.hSyncEnd, true); v.setUint16(o + 16, m.hTotal, true); v.setUint16(o + 18, m.hSkew, true);
    v.setUint16(o + 20, m.vSyncStart, true); v.setUint16(o + 22, m.vSyncEnd, true); v.setUint16(o + 24, m.vTotal, true);
    v.setUint16(o + 26, name.length, true); v.setUint32(o + 28, m.flags, true);
    u8.set(name, 40);
  });
}
export const parseRRCreateMode = (b: Uint8Array): number => need(b, 32, 'RRCreateMode reply').getUint32(8, true);
export function encodeRRAddOutputMode(major: number, output: number, mode: number): Uint8Array {
  return encodeRequest(major, 18, 8, (v) => { v.setUint32(4, output, true); v.setUint32(8, mode, true); });
}
export function encodeRRSetCrtcConfig(major: number, crtc: number, timestamp: number, configTimestamp: number, x: number, y: number, mode: number, rotation: number, outputs: readonly number[]): Uint8Array {
  return encodeRequest(major, 21, 24 + 4 * outputs.length, (v) => {
    v.setUint32(4, crtc, true);
    v.setUint32(8, timestamp, true);
    v.setUint32(12, configTimestamp, true);
    v.setInt16(16, x, true);
    v.setInt16(18, y, true);
    v.setUint32(20, mode, true);
    v.setUint16(24, rotation, true);
    outputs.forEach((out, i) => v.setUint32(28 + 4 * i, out, true));
  });
}
/** SetCrtcConfig status: 0 Success, 1 InvalidConfigTime, 2 InvalidTime, 3 Failed. */
export const parseRRSetCrtcConfig = (b: Uint8Array): { status: number; timestamp: number } => {
  const v = need(b, 32, 'RRSetCrtcConfig reply');
  return { status: b[1]!, timestamp: v.getUint32(8, true) };
};
