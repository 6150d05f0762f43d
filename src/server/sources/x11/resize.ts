/**
 * Changing the X screen size with RandR when a viewer asks for one: clamp to
 * the server's size range, find or create a mode of that size on the first
 * active output, then resize the screen and point the CRTC at the mode (screen
 * first when growing, CRTC first when shrinking, so the CRTC always fits).
 * Without CRTCs (RandR < 1.2 drivers) only the screen size is set.
 *
 * Xvfb: its size range is 1x1 up to the size it started with; it accepts new
 * modes (all timings 0) and SetCrtcConfig, so any size up to the start size works.
 */
import type { X11Connection } from './connection.js';
import {
  encodeRRAddOutputMode, encodeRRCreateMode, encodeRRGetCrtcInfo, encodeRRGetOutputInfo, encodeRRGetScreenResourcesCurrent,
  encodeRRGetScreenSizeRange, encodeRRSetCrtcConfig, encodeRRSetScreenSize, parseRRCreateMode, parseRRGetCrtcInfo,
  parseRRGetOutputInfo, parseRRGetScreenResources, parseRRGetScreenSizeRange, parseRRSetCrtcConfig,
} from './extensions.js';
import { describeXError, type XError } from './protocol.js';

export interface ResizeResult {
  /** The size asked of the server (after clamping to its range). */
  width: number;
  height: number;
  /** Whether the request was clamped. */
  clamped: boolean;
  /** 'crtc' when a mode was set on a CRTC, 'screen' when only the screen size changed. */
  how: 'crtc' | 'screen' | 'unchanged';
}

export async function randrResize(
  conn: X11Connection, major: number, root: number, cur: { width: number; height: number }, width: number, height: number,
): Promise<ResizeResult> {
  const range = parseRRGetScreenSizeRange(await conn.request(encodeRRGetScreenSizeRange(major, root), 'RRGetScreenSizeRange'));
  const w = Math.max(range.minWidth, Math.min(range.maxWidth, Math.round(width)));
  const h = Math.max(range.minHeight, Math.min(range.maxHeight, Math.round(height)));
  const clamped = w !== Math.round(width) || h !== Math.round(height);
  if (w === cur.width && h === cur.height) return { width: w, height: h, clamped, how: 'unchanged' };

  // Keep the screen's DPI.
  const s = conn.screen;
  const mm = (px: number, refPx: number, refMm: number) => (refPx > 0 && refMm > 0 ? Math.max(1, Math.round((px * refMm) / refPx)) : Math.round(px * 25.4 / 96));
  const errors: string[] = [];
  const check = (what: string) => (e: XError) => errors.push(`${what}: ${describeXError(e)}`);
  const setScreen = (sw: number, sh: number) =>
    conn.send(encodeRRSetScreenSize(major, root, sw, sh, mm(sw, s.width, s.widthMm), mm(sh, s.height, s.heightMm)), check(`RRSetScreenSize ${sw}x${sh}`));
  const done = async (how: ResizeResult['how']): Promise<ResizeResult> => {
    await conn.sync();
    if (errors.length) throw new Error(`RandR resize to ${w}x${h} failed: ${errors.join('; ')}`);
    return { width: w, height: h, clamped, how };
  };

  const res = parseRRGetScreenResources(await conn.request(encodeRRGetScreenResourcesCurrent(major, root), 'RRGetScreenResourcesCurrent'));
  let crtc: { id: number; info: ReturnType<typeof parseRRGetCrtcInfo> } | undefined;
  for (const id of res.crtcs) {
    const info = parseRRGetCrtcInfo(await conn.request(encodeRRGetCrtcInfo(major, id, res.configTimestamp), 'RRGetCrtcInfo'));
    if (info.mode !== 0 && info.outputs.length > 0) { crtc = { id, info }; break; }
  }
  if (!crtc) {
    setScreen(w, h);
    return done('screen');
  }
  const output = crtc.info.outputs[0]!;
  const out = parseRRGetOutputInfo(await conn.request(encodeRRGetOutputInfo(major, output, res.configTimestamp), 'RRGetOutputInfo'));
  let mode = res.modes.find((m) => m.width === w && m.height === h && out.modes.includes(m.id))?.id;
  if (mode === undefined) {
    mode = res.modes.find((m) => m.width === w && m.height === h)?.id;
    if (mode === undefined) {
      mode = parseRRCreateMode(await conn.request(encodeRRCreateMode(major, root, {
        width: w, height: h, dotClock: 0, hSyncStart: 0, hSyncEnd: 0, hTotal: 0, hSkew: 0, vSyncStart: 0, vSyncEnd: 0, vTotal: 0, flags: 0, name: `${w}x${h}`,
      }), 'RRCreateMode'));
    }
    conn.send(encodeRRAddOutputMode(major, output, mode), check('RRAddOutputMode'));
  }
  const growW = Math.max(w, cur.width), growH = Math.max(h, cur.height);
  if (growW !== cur.width || growH !== cur.height) setScreen(growW, growH);
  const r = parseRRSetCrtcConfig(await conn.request(
    encodeRRSetCrtcConfig(major, crtc.id, 0, res.configTimestamp, 0, 0, mode, crtc.info.rotation || 1, crtc.info.outputs), 'RRSetCrtcConfig'));
  if (r.status !== 0) errors.push(`RRSetCrtcConfig status ${r.status}`);
  if (growW !== w || growH !== h) setScreen(w, h);
  return done('crtc');
}
