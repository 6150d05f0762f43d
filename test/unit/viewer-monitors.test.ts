/**
 * Several monitors in the web viewer (src/viewer/monitors.ts, screen-view.ts,
 * input-wiring.ts), without a browser:
 * - the monitor list from display channels and MONITORS_CONFIG heads (two heads of one
 *   Xspice surface; two QEMU QXL channels, the second without a surface), heads left out
 *   or clipped, the chosen monitor's view, the tracker's change reports;
 * - the canvas showing only the chosen head's rectangle: every pixel painted equals the
 *   surface's pixel in that head, damage outside the head paints nothing (fake canvas);
 * - pointer positions from the page through the canvas scaling to the position message:
 *   surface coordinates for the server's tablet, head coordinates and the head's display id
 *   for the guest agent;
 * - the monitors config 'resize' sends through a real AgentClient: the shown head resized,
 *   the others kept (moved when right of it), channels laid out side by side.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  listMonitors, viewFor, pointerTarget, guestMonitorsConfig, requestGuestSize, clipToSurface, MonitorTracker,
  type DisplayInfo, type HeadInfo, type MonitorSession, type ViewerMonitor,
} from '../../src/viewer/monitors.js';
import { ScreenView } from '../../src/viewer/screen-view.js';
import { ViewerInput } from '../../src/viewer/input-wiring.js';
import { Surface, SURFACE_FMT } from '../../src/canvas/types.js';
import { AgentClient, type AgentMainMessage } from '../../src/client/agent.js';
import type { InputsClient } from '../../src/client/channels/inputs.js';
import { decode, encode } from '../../src/protocol/wire/codec.js';
import { AGENT_PROTOCOL, AgentAnnounceCaps, AgentCap, AgentHeader, AgentMonitorsConfig, AgentMsg } from '../../src/protocol/schema/agent.js';
import { MouseButton } from '../../src/protocol/enums/index.js';

const head = (id: number, x: number, y: number, width: number, height: number, surfaceId = 0): HeadInfo => ({ id, surfaceId, x, y, width, height });

/** Xspice with NumHeads 2: qxl-1 (1280x720) right of qxl-0 (1024x768) in one 2304x768 surface. */
const XSPICE: DisplayInfo[] = [{ id: 0, surface: { id: 0, width: 2304, height: 768 }, heads: [head(0, 0, 0, 1024, 768), head(1, 1024, 0, 1280, 720)] }];
/** QEMU with two QXL devices: channel 0 has a surface and one head, channel 1 nothing yet. */
const QEMU: DisplayInfo[] = [
  { id: 1, heads: [] },
  { id: 0, surface: { id: 0, width: 720, height: 400 }, heads: [head(0, 0, 0, 720, 400)] },
];

test('the monitor list: heads of one surface, one monitor per QXL channel (also without a surface)', () => {
  assert.deepEqual(listMonitors(XSPICE), [
    { id: 0, display: 0, head: 0, rect: { x: 0, y: 0, width: 1024, height: 768 }, displayId: 0 },
    { id: 1, display: 0, head: 1, rect: { x: 1024, y: 0, width: 1280, height: 720 }, displayId: 1 },
  ]);
  assert.deepEqual(listMonitors(QEMU), [
    { id: 0, display: 0, head: 0, rect: { x: 0, y: 0, width: 720, height: 400 }, displayId: 0 },
    { id: 1, display: 1, rect: { x: 0, y: 0, width: 0, height: 0 }, displayId: 1 },
  ], 'channels in id order; the second channel is listed before it has a picture');
  // A second channel's heads take the channel's id as display id (spice-gtk numbers them so).
  const two = listMonitors([{ id: 1, surface: { id: 0, width: 800, height: 600 }, heads: [head(0, 0, 0, 800, 600)] }, QEMU[1]!]);
  assert.deepEqual(two.map((m) => [m.id, m.display, m.displayId]), [[0, 0, 0], [1, 1, 1]]);
  // Left out: no size, another surface, wholly outside; clipped: partly outside.
  const odd = listMonitors([{
    id: 0, surface: { id: 0, width: 1000, height: 700 },
    heads: [head(3, 0, 0, 0, 700), head(4, 0, 0, 500, 500, 7), head(5, 1000, 0, 200, 200), head(6, 600, 100, 800, 800)],
  }]);
  assert.deepEqual(odd, [{ id: 0, display: 0, head: 6, rect: { x: 600, y: 100, width: 400, height: 600 }, displayId: 6 }]);
  // Nothing usable: the whole surface.
  assert.deepEqual(listMonitors([{ id: 0, surface: { id: 0, width: 640, height: 480 }, heads: [head(0, 0, 0, 0, 0)] }]),
    [{ id: 0, display: 0, rect: { x: 0, y: 0, width: 640, height: 480 }, displayId: 0 }]);
  assert.deepEqual(clipToSurface({ x: -10, y: 5, width: 30, height: 1000 }, 100, 100), { x: 0, y: 5, width: 20, height: 95 });
});

test('the chosen monitor\'s view; the tracker reports list and view changes', () => {
  const list = listMonitors(XSPICE);
  assert.deepEqual(viewFor(list, undefined, 0), { display: 0 }, 'no choice: the whole surface');
  assert.deepEqual(viewFor(list, 1, 0), { display: 0, rect: list[1]!.rect, monitor: list[1] });
  assert.deepEqual(viewFor(list, 4, 2), { display: 2 }, 'a monitor not (yet) there: the fallback display, whole');
  const q = listMonitors(QEMU);
  assert.deepEqual(viewFor(q, 1, 0), { display: 1, monitor: q[1] }, 'a channel without heads is shown whole');

  const displays = new Map<number, { primarySurface(): { id: number; width: number; height: number } | undefined; monitors: HeadInfo[] }>();
  const fake: MonitorSession = { displays };
  const t = new MonitorTracker(1, 0);
  assert.deepEqual(t.update(fake), { listChanged: false, viewChanged: false }, 'nothing yet');
  displays.set(0, { primarySurface: () => ({ id: 0, width: 2304, height: 768 }), monitors: [] });
  assert.deepEqual(t.update(fake), { listChanged: true, viewChanged: false }, 'one monitor (the surface): monitor 1 not there yet');
  assert.deepEqual(t.view, { display: 0 });
  displays.get(0)!.monitors = [...XSPICE[0]!.heads];
  assert.deepEqual(t.update(fake), { listChanged: true, viewChanged: true }, 'MONITORS_CONFIG: head 1 appears');
  assert.deepEqual(t.view.rect, { x: 1024, y: 0, width: 1280, height: 720 });
  assert.deepEqual(t.update(fake), { listChanged: false, viewChanged: false }, 'the same again: no change');
  assert.equal(t.choose(0), true);
  assert.deepEqual(t.view.rect, { x: 0, y: 0, width: 1024, height: 768 });
  assert.equal(t.choose(0), false);
  assert.deepEqual(t.update(undefined), { listChanged: false, viewChanged: false }, 'session gone: the list is kept');
  assert.equal(t.monitors.length, 2);
});

// ---------------------------------------------------------------- a fake canvas

class FakeImageData {
  readonly data: Uint8ClampedArray;
  constructor(readonly width: number, readonly height: number) { this.data = new Uint8ClampedArray(width * height * 4); }
}

/** A 2D context whose putImageData behaves as the browser's, into an RGBA buffer the canvas's size. */
function fakeDom() {
  const frames: (() => void)[] = [];
  const puts: { dx: number; dy: number; x: number; y: number; w: number; h: number }[] = [];
  let pixels = new Uint8ClampedArray(0);
  const el = (tag: string) => {
    const e: Record<string, unknown> = {
      tagName: tag, style: {}, className: '', width: 0, height: 0, clientWidth: 1280, clientHeight: 720, offsetLeft: 0, offsetTop: 0,
      appendChild: () => undefined, remove: () => undefined,
      getBoundingClientRect: () => ({ left: 0, top: 0, width: 1280, height: 720 }),
    };
    if (tag === 'canvas') {
      e.getContext = () => ({
        putImageData(img: FakeImageData, dx: number, dy: number, x: number, y: number, w: number, h: number) {
          puts.push({ dx, dy, x, y, w, h });
          const cw = e.width as number;
          const ch = e.height as number;
          if (pixels.length !== cw * ch * 4) pixels = new Uint8ClampedArray(cw * ch * 4);
          for (let yy = y; yy < y + h; yy++) {
            for (let xx = x; xx < x + w; xx++) {
              const tx = xx + dx;
              const ty = yy + dy;
              if (tx < 0 || ty < 0 || tx >= cw || ty >= ch) continue;
              pixels.set(img.data.subarray((yy * img.width + xx) * 4, (yy * img.width + xx) * 4 + 4), (ty * cw + tx) * 4);
            }
          }
        },
      });
    }
    return e;
  };
  const doc = { createElement: el, defaultView: { devicePixelRatio: 1, requestAnimationFrame: (f: () => void) => { frames.push(f); return 0; } } };
  const container = { ownerDocument: doc, appendChild: () => undefined } as unknown as HTMLElement;
  const runFrames = () => { for (const f of frames.splice(0)) f(); };
  return { container, puts, runFrames, canvasPixels: () => pixels };
}

test('the canvas shows only the chosen head: its pixels exactly, damage elsewhere paints nothing', (t) => {
  const g = globalThis as unknown as { ImageData?: unknown };
  const had = g.ImageData;
  g.ImageData = FakeImageData;
  t.after(() => { g.ImageData = had; });
  const dom = fakeDom();
  const view = new ScreenView(dom.container, 'fit');
  const sizes: string[] = [];
  view.onResize = (s) => sizes.push(`${s.width}x${s.height}`);
  const surf = new Surface(0, 2304, 768, SURFACE_FMT.XRGB, true);
  for (let y = 0; y < 768; y++) for (let x = 0; x < 2304; x++) surf.pixels[y * 2304 + x] = ((x * 7) ^ (y * 131)) & 0xffffff;
  const head1 = { x: 1024, y: 0, width: 1280, height: 720 };
  view.show(surf, head1);
  dom.runFrames();
  assert.deepEqual(sizes, ['1280x720']);
  assert.deepEqual(view.shown, head1);
  const canvas = view.canvas as unknown as { width: number; height: number };
  assert.deepEqual([canvas.width, canvas.height], [1280, 720], 'the canvas is the head\'s size');
  /** Pixels of the canvas that differ from the surface's in the head. */
  const wrong = () => {
    const px = dom.canvasPixels();
    let n = 0;
    for (let y = 0; y < 720; y++) {
      for (let x = 0; x < 1280; x++) {
        const p = surf.pixels[y * 2304 + x + 1024]!;
        const o = (y * 1280 + x) * 4;
        if (px[o] !== ((p >>> 16) & 0xff) || px[o + 1] !== ((p >>> 8) & 0xff) || px[o + 2] !== (p & 0xff) || px[o + 3] !== 255) n++;
      }
    }
    return n;
  };
  assert.equal(wrong(), 0, 'every canvas pixel is the surface pixel of head 1');
  assert.deepEqual(dom.puts, [{ dx: -1024, dy: 0, x: 1024, y: 0, w: 1280, h: 720 }]);

  // Damage across both heads: only head 1's part is painted (in surface coordinates, shifted).
  dom.puts.length = 0;
  for (let y = 10; y < 20; y++) for (let x = 900; x < 1100; x++) surf.pixels[y * 2304 + x] = 0x00ff00;
  view.invalidate(0, { left: 900, top: 10, right: 1100, bottom: 20 });
  view.invalidate(0, { left: 0, top: 0, right: 1000, bottom: 768 }); // head 0 only
  view.invalidate(0, { left: 1024, top: 740, right: 2304, bottom: 768 }); // below head 1 (the surface is taller)
  view.invalidate(5, { left: 1024, top: 0, right: 2304, bottom: 720 }); // another surface
  dom.runFrames();
  assert.deepEqual(dom.puts, [{ dx: -1024, dy: 0, x: 1024, y: 10, w: 76, h: 10 }]);
  assert.equal(wrong(), 0);

  // Head 0 of the same surface: another size, the canvas follows.
  view.show(surf, { x: 0, y: 0, width: 1024, height: 768 });
  dom.runFrames();
  assert.deepEqual(sizes, ['1280x720', '1024x768']);
  assert.deepEqual(dom.puts.at(-1), { dx: 0, dy: 0, x: 0, y: 0, w: 1024, h: 768 });
  // The whole surface again.
  view.show(surf);
  assert.deepEqual(view.shown, { x: 0, y: 0, width: 2304, height: 768 });
});

// ---------------------------------------------------------------- pointer

test('pointer positions: tablet gets surface coordinates, the agent head coordinates and the head\'s id', () => {
  const x = listMonitors(XSPICE);
  const onHead1 = viewFor(x, 1, 0);
  assert.deepEqual(pointerTarget(onHead1, x, 10, 20, false), { x: 1034, y: 20, display: 1 });
  assert.deepEqual(pointerTarget(onHead1, x, 10, 20, true), { x: 10, y: 20, display: 1 });
  // The whole surface shown: the head under the pointer decides.
  const whole = viewFor(x, undefined, 0);
  assert.deepEqual(pointerTarget(whole, x, 1100, 50, true), { x: 76, y: 50, display: 1 });
  assert.deepEqual(pointerTarget(whole, x, 1100, 50, false), { x: 1100, y: 50, display: 1 });
  assert.deepEqual(pointerTarget(whole, x, 500, 700, true), { x: 500, y: 700, display: 0 });
  // A QXL channel of its own: its coordinates, its channel id.
  const q = listMonitors([QEMU[1]!, { id: 1, surface: { id: 0, width: 800, height: 600 }, heads: [] }, QEMU[0]!]);
  assert.deepEqual(pointerTarget(viewFor(q, 1, 0), q, 5, 6, true), { x: 5, y: 6, display: 1 });
  assert.deepEqual(pointerTarget(viewFor(q, 1, 0), q, 5, 6, false), { x: 5, y: 6, display: 1 });
  // Nothing known yet.
  assert.deepEqual(pointerTarget({ display: 0 }, [], 3, 4, true), { x: 3, y: 4, display: 0 });
});

test('a click in the page on head 1, scaled to fit, reaches the inputs channel at the right place', () => {
  const sent: string[] = [];
  const inputs = {
    closed: false, modifiers: 0,
    position: (px: number, py: number, d: number) => sent.push(`pos ${px},${py} @${d}`),
    press: (b: number) => sent.push(`press ${b}`), release: (b: number) => sent.push(`release ${b}`),
    motion: () => sent.push('motion'), keys: async () => undefined, setLocks: () => undefined,
  } as unknown as InputsClient;
  const doc = Object.assign(new EventTarget(), { pointerLockElement: null });
  // Head 1 (1280x720) fitted into 640x360 CSS pixels at (100, 50).
  const canvas = Object.assign(new EventTarget(), {
    ownerDocument: doc as unknown as Document,
    getBoundingClientRect: () => ({ left: 100, top: 50, width: 640, height: 360 }),
    setPointerCapture: () => undefined, focus: () => undefined,
  }) as unknown as HTMLCanvasElement;
  const monitors = listMonitors(XSPICE);
  let agent = false;
  const input = new ViewerInput(canvas, {
    inputs: () => inputs, mouseMode: () => 'client', shownSize: () => ({ width: 1280, height: 720 }),
    place: (px, py) => pointerTarget(viewFor(monitors, 1, 0), monitors, px, py, agent),
    error: (e) => assert.fail(e),
  });
  const detach = input.pointer.attach();
  const click = (sx: number, sy: number) => {
    for (const [type, buttons] of [['pointerdown', 1], ['pointerup', 0]] as const) {
      canvas.dispatchEvent(Object.assign(new Event(type, { cancelable: true }), {
        pointerId: 1, clientX: 100 + (sx + 0.5) / 2, clientY: 50 + (sy + 0.5) / 2, buttons, button: 0, movementX: 0, movementY: 0,
      }));
    }
  };
  click(600, 300);
  agent = true;
  click(1279, 719);
  detach();
  assert.deepEqual(sent, [
    'pos 1624,300 @1', `press ${MouseButton.LEFT}`, 'pos 1624,300 @1', `release ${MouseButton.LEFT}`,
    'pos 1279,719 @1', `press ${MouseButton.LEFT}`, 'pos 1279,719 @1', `release ${MouseButton.LEFT}`,
  ]);
});

// ---------------------------------------------------------------- resize: the monitors config

test('the monitors config: the shown head resized, the others kept or moved; channels side by side', () => {
  const x = listMonitors(XSPICE);
  assert.deepEqual(guestMonitorsConfig(x, 1, 1920, 1080), [
    { x: 0, y: 0, width: 1024, height: 768 }, { x: 1024, y: 0, width: 1920, height: 1080 },
  ]);
  assert.deepEqual(guestMonitorsConfig(x, 0, 1280, 800), [
    { x: 0, y: 0, width: 1280, height: 800 }, { x: 1280, y: 0, width: 1280, height: 720 },
  ], 'head 1 moves right by what head 0 grew');
  assert.deepEqual(guestMonitorsConfig(x, undefined, 1600, 900), [{ x: 0, y: 0, width: 1600, height: 900 }], 'no monitor chosen: one screen');
  assert.deepEqual(guestMonitorsConfig(x.slice(0, 1), 0, 1600, 900), [{ x: 0, y: 0, width: 1600, height: 900 }]);
  // Heads stacked: the one below moves down.
  const stacked = listMonitors([{ id: 0, surface: { id: 0, width: 800, height: 1200 }, heads: [head(0, 0, 0, 800, 600), head(1, 0, 600, 800, 600)] }]);
  assert.deepEqual(guestMonitorsConfig(stacked, 0, 1000, 700), [
    { x: 0, y: 0, width: 1000, height: 700 }, { x: 0, y: 700, width: 800, height: 600 },
  ]);
  // QEMU: channel 1 has no surface, so it stays off.
  assert.deepEqual(guestMonitorsConfig(listMonitors(QEMU), 0, 1600, 900), [
    { x: 0, y: 0, width: 1600, height: 900 }, { x: 0, y: 0, width: 0, height: 0 },
  ]);
  const both = listMonitors([
    { id: 0, surface: { id: 0, width: 1024, height: 768 }, heads: [head(0, 0, 0, 1024, 768)] },
    { id: 1, surface: { id: 0, width: 800, height: 600 }, heads: [] },
  ]);
  assert.deepEqual(guestMonitorsConfig(both, 1, 1280, 720), [
    { x: 0, y: 0, width: 1024, height: 768 }, { x: 1024, y: 0, width: 1280, height: 720 },
  ]);
  assert.deepEqual(guestMonitorsConfig(both, 0, 640, 480), [
    { x: 0, y: 0, width: 640, height: 480 }, { x: 640, y: 0, width: 800, height: 600 },
  ]);
});

/** An AgentClient whose guest agent announced `caps`; `sent` collects what it gives the main channel. */
function readyAgent(caps: number[]): { agent: AgentClient; sent: AgentMainMessage[] } {
  const sent: AgentMainMessage[] = [];
  const agent = new AgentClient((m) => sent.push(m), { monitorsDelayMs: 0, log: () => undefined });
  agent.setTokens(100);
  agent.agentConnected();
  const body = encode(AgentAnnounceCaps, { request: 0, caps: [caps.reduce((w, c) => w | (1 << c), 0)] });
  const h = encode(AgentHeader, { protocol: AGENT_PROTOCOL, type: AgentMsg.ANNOUNCE_CAPABILITIES, opaque: 0n, size: body.length });
  agent.receive(new Uint8Array([...h, ...body]));
  return { agent, sent };
}

/** The monitors configs among the agent messages sent. */
function monitorConfigs(sent: AgentMainMessage[]) {
  const out: { x: number; y: number; width: number; height: number }[][] = [];
  for (const m of sent) {
    if (m.name !== 'agent_data') continue;
    const data = (m.body as { data: Uint8Array }).data;
    const hdr = decode(AgentHeader, data.subarray(0, 20));
    if (hdr.type !== AgentMsg.MONITORS_CONFIG) continue;
    const c = decode(AgentMonitorsConfig, data.subarray(20, 20 + hdr.size));
    out.push(c.monitors.map((mc) => ({ x: mc.x, y: mc.y, width: mc.width, height: mc.height })));
  }
  return out;
}

test('resize sends the guest agent a monitors config with the shown head at the page size, head 0 kept', async () => {
  const { agent, sent } = readyAgent([AgentCap.MONITORS_CONFIG, AgentCap.REPLY]);
  const monitors: ViewerMonitor[] = listMonitors(XSPICE);
  const head1 = viewFor(monitors, 1, 0);
  assert.equal(requestGuestSize(agent, monitors, head1, 1400, 900), true);
  assert.equal(requestGuestSize(agent, monitors, head1, 0, 900), false, 'no size yet: nothing asked');
  assert.equal(requestGuestSize(agent, monitors, viewFor(monitors, undefined, 0), 1400, 900), false,
    'both heads shown (the whole surface): the guest keeps its heads');
  await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(monitorConfigs(sent), [[{ x: 0, y: 0, width: 1024, height: 768 }, { x: 1024, y: 0, width: 1400, height: 900 }]]);
  // The same again is not sent twice.
  requestGuestSize(agent, monitors, head1, 1400, 900);
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(monitorConfigs(sent).length, 1);
  // QEMU's channel 0 shown whole (no monitor chosen) is monitor 0: channel 1 stays off.
  const q = listMonitors(QEMU);
  assert.equal(requestGuestSize(agent, q, viewFor(q, undefined, 0), 1280, 800), true);
  // One monitor: one screen of the page's size, as without monitors.
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(requestGuestSize(agent, q.slice(0, 1), viewFor(q, undefined, 0), 1000, 700), true);
  await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(monitorConfigs(sent).slice(1), [
    [{ x: 0, y: 0, width: 1280, height: 800 }, { x: 0, y: 0, width: 0, height: 0 }],
    [{ x: 0, y: 0, width: 1000, height: 700 }],
  ]);
  agent.dispose();

  const notReady = new AgentClient(() => assert.fail('nothing is sent to a missing agent'), { monitorsDelayMs: 0, log: () => undefined });
  assert.equal(requestGuestSize(notReady, monitors, head1, 1400, 900), false);
  assert.equal(requestGuestSize(undefined, monitors, head1, 1400, 900), false);
  notReady.dispose();
});
