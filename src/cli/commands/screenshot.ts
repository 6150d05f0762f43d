/**
 * spice-ts screenshot <target> -o out.png: connects (main + display only,
 * like spicy-screenshot), waits until the display has settled — MARK
 * received and no drawing for a quiet period — and writes the screen.
 */
import { writeFileSync } from 'node:fs';
import { connect } from '../../client/node.js';
import type { SpiceSession } from '../../client/session.js';
import { ErrorCode, SpiceError } from '../../protocol/errors.js';
import { parseArgs } from '../args.js';
import { CONNECT_HELP, CONNECT_SPEC, connectOptions, seconds } from '../connect-options.js';
import { Exit } from '../exit-codes.js';
import { imageEncoder } from '../image-write.js';
import type { RgbaImage } from '../image-common.js';

export const screenshotHelp = `usage: spice-ts screenshot <spice://host:port | host:port | file.vv> -o FILE [options]

Connects, waits until the display has settled, writes the screen to FILE
(.png, or .ppm/.pnm) and disconnects.

options:
  -o, --output FILE    where to write (PNG or PPM, by extension)
  --monitor N          only monitor N (0-based), as the server lays monitors out
  --settle S           quiet period after the last drawing, seconds (default 0.05);
                       a screen that never stops changing is taken after 1 s;
                       0 takes the first complete picture (at MARK), like spicy-screenshot
${CONNECT_HELP}
`;

const SPEC = {
  ...CONNECT_SPEC,
  output: { type: 'string', short: 'o' },
  monitor: { type: 'string' },
  settle: { type: 'string' },
} as const;

export async function screenshotCommand(argv: string[], out: (s: string) => void): Promise<number> {
  const p = parseArgs(argv, SPEC);
  if (p.options.help) { out(screenshotHelp); return Exit.OK; }
  if (p.positionals.length !== 1 || !p.options.output) { out(screenshotHelp); return Exit.USAGE; }
  const monitor = p.options.monitor === undefined ? undefined : Number(p.options.monitor);
  if (monitor !== undefined && !(Number.isInteger(monitor) && monitor >= 0)) {
    throw new SpiceError(ErrorCode.BAD_ARGUMENT, `--monitor needs a monitor number (0, 1, ...), got '${String(p.options.monitor)}'`);
  }
  const settleMs = seconds(p.options.settle, 'settle', 0.05, true);
  const output = p.options.output as string;
  if (!/\.(png|ppm|pnm)$/i.test(output)) {
    throw new SpiceError(ErrorCode.BAD_ARGUMENT, `cannot tell the image format of '${output}': use a .png, .ppm or .pnm name`);
  }
  const { target, options } = await connectOptions(p);
  const deadline = Date.now() + (options.timeoutMs ?? 10000);
  // The encoder (PNG: node:zlib too) loads while the server makes its first RSA key.
  let encoder: Promise<(img: RgbaImage) => Uint8Array> | undefined;
  const loadEncoder = () => (encoder ??= imageEncoder(output));
  const session = await connect(target, {
    ...options, channels: ['display'], mouseMode: 'keep', whileLinking: () => { loadEncoder().catch(() => {}); },
  });
  let bytes: Uint8Array;
  try {
    bytes = await captureEncoded(session, { monitor, settleMs, deadline, encode: await loadEncoder() });
  } finally {
    await session.disconnect();
  }
  writeFileSync(output, bytes);
  return Exit.OK;
}

/** How many times the picture is encoded ahead during quiet periods, at most. */
const AHEAD_MAX = 2;

/**
 * capture(), encoded with `encode`. The picture is encoded ahead as a quiet period starts
 * (when the server has sent nothing more meanwhile), so on a still screen the file is ready
 * when the period ends; a drawing after that, or a new surface, makes it encode again.
 */
export async function captureEncoded(
  session: SpiceSession,
  o: CaptureOptions & { encode: (img: RgbaImage) => Uint8Array },
): Promise<Uint8Array> {
  let drawn = 0;
  const off = [
    session.on('invalidate', () => { drawn++; }),
    session.on('surface', () => { drawn++; }),
    session.on('surface-destroyed', () => { drawn++; }),
  ];
  let ahead: { bytes: Uint8Array; drawn: number } | undefined;
  let tries = 0;
  try {
    const img = await capture(session, {
      ...o,
      quiet: o.settleMs > 0 ? (grab) => {
        if (tries >= AHEAD_MAX || (ahead && ahead.drawn === drawn)) return;
        tries++;
        ahead = { bytes: o.encode(grab()), drawn };
      } : undefined,
    });
    // A draw still being decoded (session.idle) counts when it lands, so `drawn` covers it.
    return ahead && ahead.drawn === drawn ? ahead.bytes : o.encode(img);
  } finally {
    off.forEach((f) => f());
  }
}

export interface CaptureOptions {
  monitor?: number;
  settleMs: number;
  deadline: number;
  /**
   * Called as a quiet period starts, once the events already received are handled, and
   * only while no decoding is pending; `grab()` gives the picture as it is then.
   */
  quiet?: (grab: () => RgbaImage) => void;
}

/** Waits for MARK and a quiet period on the display showing `monitor`, then copies its pixels. */
export async function capture(session: SpiceSession, o: CaptureOptions): Promise<RgbaImage> {
  const displayId = pickDisplay(session, o.monitor);
  await new Promise<void>((resolve, reject) => {
    let quiet: ReturnType<typeof setTimeout> | undefined;
    const offs: (() => void)[] = [];
    let done = false;
    const finish = (err?: SpiceError) => {
      done = true;
      clearTimeout(quiet);
      clearTimeout(limit);
      offs.forEach((f) => f());
      if (err) reject(err); else resolve();
    };
    // After MARK: a quiet period, but never longer than `busyMs` in all
    // (a video or a clock would otherwise hold the picture back forever).
    let markedAt = 0;
    const busyMs = Math.max(1000, o.settleMs * 4);
    let aheadQueued = false;
    const ahead = () => {
      aheadQueued = false;
      if (done || !session.isIdle()) return;
      try {
        o.quiet!(() => grab(session, displayId, o.monitor));
      } catch {
        // (no picture yet, say): the picture taken at the end reports it
      }
    };
    const arm = () => {
      clearTimeout(quiet);
      markedAt ||= Date.now();
      const left = markedAt + busyMs - Date.now();
      quiet = setTimeout(() => finish(), Math.max(0, Math.min(o.settleMs, left)));
      // After the I/O already read is handled (setImmediate runs after the poll phase).
      if (o.quiet && !aheadQueued) { aheadQueued = true; setImmediate(ahead); }
    };
    const limit = setTimeout(() => {
      const d = session.displays.get(displayId);
      if (d?.marked && session.primary(displayId)) finish(); // drawing never stopped: take what is there
      else finish(new SpiceError(ErrorCode.TIMEOUT, d ? 'the server sent no complete picture before the timeout' : 'the server has no display channel'));
    }, Math.max(0, o.deadline - Date.now()));
    offs.push(session.on('mark', (e) => { if (e.display === displayId) arm(); }));
    offs.push(session.on('invalidate', (e) => { if (e.display === displayId && session.displays.get(displayId)?.marked) arm(); }));
    offs.push(session.on('disconnected', ({ error }) => finish(error ?? new SpiceError(ErrorCode.CLOSED, 'the server closed the session before a picture arrived'))));
    offs.push(session.on('channel-down', (e) => {
      if (e.name === 'display' && e.id === displayId) finish(e.error ?? new SpiceError(ErrorCode.CLOSED, 'the display channel closed before a picture arrived'));
    }));
    if (session.displays.get(displayId)?.marked) arm();
  });
  await session.idle();
  return grab(session, displayId, o.monitor);
}

/** The picture of `displayId` (one monitor of it when asked) as it is now. */
function grab(session: SpiceSession, displayId: number, monitor?: number): RgbaImage {
  const d = session.displays.get(displayId);
  const surface = d?.primarySurface();
  if (!d || !surface) throw new SpiceError(ErrorCode.INCONSISTENT, 'the display has no primary surface');
  let x = 0, y = 0, w = surface.width, h = surface.height;
  if (monitor !== undefined && d.monitors.length > 0) {
    const head = d.monitors.length > 1 ? d.monitors[monitor] : d.monitors[0];
    if (!head) throw new SpiceError(ErrorCode.BAD_ARGUMENT, `there is no monitor ${monitor} (the server shows ${d.monitors.length})`);
    x = head.x; y = head.y;
    w = Math.min(head.width, surface.width - x);
    h = Math.min(head.height, surface.height - y);
  }
  if (w === surface.width && x === 0 && y === 0) {
    // The whole width: the rows are contiguous already. The file is encoded from them at once
    // (synchronously), so at worst a draw arriving meanwhile makes the picture newer.
    return { width: w, height: h, pixels: surface.pixels.subarray(y * w, (y + h) * w) };
  }
  const pixels = new Uint32Array(w * h);
  for (let row = 0; row < h; row++) {
    pixels.set(surface.pixels.subarray((y + row) * surface.width + x, (y + row) * surface.width + x + w), row * w);
  }
  return { width: w, height: h, pixels };
}

function pickDisplay(session: SpiceSession, monitor?: number): number {
  if (monitor === undefined || session.displays.size <= 1) return [...session.displays.keys()][0] ?? 0;
  // One display channel per monitor (several QXL devices): monitor N is channel N.
  if (!session.displays.has(monitor)) throw new SpiceError(ErrorCode.BAD_ARGUMENT, `there is no monitor ${monitor}`);
  return monitor;
}
