/**
 * Video streams from Xspice (spice-server 0.15 with SpiceStreamingVideo "all"): an X client
 * redraws a 256x240 picture 25 times a second, which spice-server turns into a video stream
 * encoded with the codec SpiceVideoCodecs names (GStreamer's vp8enc, x264enc, vp9enc, or its
 * own MJPEG encoder).
 *
 * In headless Chromium, spice-ts's web viewer (connected straight to spice-server's WebSocket
 * port) must decode the stream with the browser's decoders (WebCodecs for VP8/H.264/VP9,
 * ImageDecoder/createImageBitmap for MJPEG):
 * - the stream is created with the intended codec, when the browser decodes it (else the
 *   viewer does not offer it and spice-server falls back to MJPEG, which is asserted instead);
 * - its frames are decoded and drawn (counters read from the page's session);
 * - while the stream holds the last picture, the canvas is within tolerance of the X screen
 *   in the animated area and exact elsewhere;
 * - once the animation stops and the stream ends, the canvas equals `import -window root`
 *   pixel for pixel (spice-server redraws the area losslessly).
 *
 * With the Node client: spice-server honours PREFERRED_VIDEO_CODEC_TYPE, and a stream whose
 * decoder fails ends alone (STREAM_REPORT): the server goes on with images, the display stays
 * up and ends exact.
 *
 * Missing GStreamer encoders skip the test (apt-get install gstreamer1.0-plugins-base
 * gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly), and fail it under SPICE_INTEROP=required.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { chromiumReady, newPage, viewerBundle } from '../harness/browser.js';
import { needPeers, needGstreamer, startXspice, waitUntil, sleep, type XspicePeer } from '../harness/peers.js';
import { rootImage, diffImages } from '../harness/scene.js';
import { pngFromDataUrl } from '../helpers/png-decode.js';
import type { RgbaImage } from '../../src/cli/image-files.js';
import { viewerHttpHandler } from '../../src/server/web-files.js';
import { X11Connection } from '../../src/server/sources/x11/connection.js';
import { encodeRequest } from '../../src/server/sources/x11/protocol.js';
import { connect } from '../../src/client/node.js';
import type { SpiceSession } from '../../src/client/session.js';
import { VideoCodecType } from '../../src/protocol/enums/index.js';
import { ErrorCode, SpiceError } from '../../src/protocol/errors.js';
import type { StreamDecoderFactory } from '../../src/client/channels/stream-decoder.js';
import { PROBE_CODEC_STRINGS } from '../../src/viewer/video-bitstream.js';

// ------------------------------------------------------------------ the animation

/** The animated area: 256x240x4 bytes fit one PutImage request, so each frame is one drawable. */
const AREA = { x: 320, y: 240, w: 256, h: 240 };
const PAN = 3;
const FRAMES = 60;
const FPS = 25;
const BACKGROUND = 0x304050;

/** A smooth, slightly noisy picture (what a camera gives a codec), BGRX bytes, wide enough to pan. */
function photo(w: number, h: number): Uint8Array {
  let seed = 12345;
  const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) / (1 << 24);
  const px = new Uint32Array(w * h);
  const c = (v: number) => Math.max(0, Math.min(255, Math.round(v)));
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const n = (rnd() - 0.5) * 10;
      const r = 128 + 80 * Math.sin(x / 37 + y / 91) + 30 * Math.sin((x + 2 * y) / 19) + n;
      const g = 120 + 70 * Math.sin(y / 27 - x / 113) + 25 * Math.cos(x / 11) + n;
      const b = 110 + 90 * Math.cos((x - y) / 47) + 20 * Math.sin(y / 9) + n;
      px[y * w + x] = (c(r) << 16) | (c(g) << 8) | c(b);
    }
  }
  return new Uint8Array(px.buffer);
}

/** An X client drawing on the root window with core requests. */
class Animator {
  private readonly wide = AREA.w + PAN * FRAMES;
  private readonly pic = photo(this.wide, AREA.h);
  private readonly row = new Uint8Array(AREA.w * AREA.h * 4);

  private constructor(private readonly c: X11Connection, private readonly gc: number) {}

  static async connect(display: string): Promise<Animator> {
    const c = await X11Connection.connect(display);
    if (c.screen.rootDepth !== 24) throw new Error(`${display}: depth ${c.screen.rootDepth}; the animation draws 24-bit`);
    const gc = c.allocId();
    // CreateGC with graphics-exposures off.
    c.send(encodeRequest(55, 0, 16, (v) => {
      v.setUint32(4, gc, true); v.setUint32(8, c.screen.root, true); v.setUint32(12, 0x10000, true); v.setUint32(16, 0, true);
    }));
    return new Animator(c, gc);
  }

  /** The whole screen in one colour. */
  async background(): Promise<void> {
    this.c.send(encodeRequest(56, 0, 12, (v) => { v.setUint32(4, this.gc, true); v.setUint32(8, 0x4, true); v.setUint32(12, BACKGROUND, true); }));
    this.c.send(encodeRequest(70, 0, 16, (v) => {
      v.setUint32(4, this.c.screen.root, true); v.setUint32(8, this.gc, true);
      v.setInt16(12, 0, true); v.setInt16(14, 0, true); v.setUint16(16, 4096, true); v.setUint16(18, 4096, true);
    }));
    await this.c.sync();
  }

  /** Frame n: the picture panned n*PAN pixels, as one PutImage (ZPixmap, depth 24). */
  async frame(n: number): Promise<void> {
    const off = Math.min(n, FRAMES) * PAN;
    for (let y = 0; y < AREA.h; y++) this.row.set(this.pic.subarray((y * this.wide + off) * 4, (y * this.wide + off + AREA.w) * 4), y * AREA.w * 4);
    this.c.send(encodeRequest(72, 2, 20 + this.row.length, (v, u8) => {
      v.setUint32(4, this.c.screen.root, true); v.setUint32(8, this.gc, true);
      v.setUint16(12, AREA.w, true); v.setUint16(14, AREA.h, true); v.setInt16(16, AREA.x, true); v.setInt16(18, AREA.y, true);
      v.setUint8(20, 0); v.setUint8(21, 24);
      u8.set(this.row, 24);
    }));
    await this.c.sync();
  }

  /** Frames 0..FRAMES at FPS, then the last one again `holdFrames` times (the stream stays up). */
  async play(holdFrames: number, during?: (i: number) => Promise<boolean | void>): Promise<void> {
    const t0 = performance.now();
    for (let i = 0; i <= FRAMES + holdFrames; i++) {
      const due = t0 + (i * 1000) / FPS;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      await this.frame(i);
      if (during && (await during(i)) === true) break;
    }
  }

  close(): void {
    this.c.close();
  }
}

// ------------------------------------------------------------------ pictures

/** Differences inside AREA (mean and max absolute channel error) and the count outside it. */
function areaDiff(a: RgbaImage, b: RgbaImage): { outside: number; mean: number; max: number } {
  let outside = 0, sum = 0, max = 0;
  for (let y = 0; y < a.height; y++) {
    for (let x = 0; x < a.width; x++) {
      const p = a.pixels[y * a.width + x]!, q = b.pixels[y * a.width + x]!;
      const inside = x >= AREA.x && x < AREA.x + AREA.w && y >= AREA.y && y < AREA.y + AREA.h;
      if (!inside) {
        if (((p ^ q) & 0xffffff) !== 0) outside++;
        continue;
      }
      for (const s of [0, 8, 16]) {
        const d = Math.abs(((p >>> s) & 255) - ((q >>> s) & 255));
        sum += d;
        if (d > max) max = d;
      }
    }
  }
  return { outside, mean: sum / (AREA.w * AREA.h * 3), max };
}

function fromDataUrl(url: string): RgbaImage {
  const png = pngFromDataUrl(url);
  const pixels = new Uint32Array(png.width * png.height);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (png.rgba[i * 4]! << 16) | (png.rgba[i * 4 + 1]! << 8) | png.rgba[i * 4 + 2]!;
  return { width: png.width, height: png.height, pixels };
}

function describe(a: RgbaImage | undefined, b: RgbaImage): string {
  if (!a) return 'no picture';
  const d = diffImages(a, b);
  return d.count === Infinity ? `sizes differ: ${a.width}x${a.height} vs ${b.width}x${b.height}`
    : `${d.count} pixels differ (max delta ${d.maxDelta}); first at (${d.first?.x},${d.first?.y}): ${d.first?.a} vs ${d.first?.b}`;
}

// ------------------------------------------------------------------ the page

let web: { server: http.Server; port: number } | undefined;
after(() => web?.server.close());

async function webServer(): Promise<number> {
  if (!web) {
    const server = http.createServer(viewerHttpHandler(viewerBundle()));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    web = { server, port: (server.address() as AddressInfo).port };
  }
  return web.port;
}

interface PageState {
  image: string | null;
  connected: boolean;
  stats: Record<string, { streams: number; frames: number; drawn: number; dropped: number; errors: number; decodeMs: number }>;
  active: number;
  events: string[];
  configs: string[];
}

/** The canvas and the session's stream counters, read in one go. */
async function pageState(page: Page, withImage = true): Promise<PageState> {
  return page.evaluate((withImage) => {
    type Display = { streamStats(): PageState['stats']; streams: { active(): Map<number, string> } };
    const w = window as unknown as { spiceViewer?: { session?: { displays: Map<number, Display> } }; streamEvents?: string[]; videoConfigs?: string[] };
    const d = w.spiceViewer?.session?.displays.get(0);
    const c = document.querySelector('canvas');
    return {
      image: withImage && c && c.width > 0 ? c.toDataURL('image/png') : null,
      connected: !!d,
      stats: d ? d.streamStats() : {},
      active: d ? d.streams.active().size : 0,
      events: w.streamEvents ?? [],
      configs: w.videoConfigs ?? [],
    };
  }, withImage);
}

async function openViewer(t: import('node:test').TestContext, b: Browser, x: XspicePeer): Promise<{ page: Page; log: string[] }> {
  const port = await webServer();
  // Record what the page configures its VideoDecoders with (WebCodecs really used, and the profile).
  const { page, log } = await newPage(t, b, { viewport: { width: 1280, height: 1000 } }, (context) => context.addInitScript(() => {
    const w = window as unknown as { VideoDecoder?: { prototype: { configure(c: { codec: string }): void } }; videoConfigs: string[] };
    w.videoConfigs = [];
    const proto = w.VideoDecoder?.prototype;
    if (!proto) return;
    const configure = proto.configure;
    proto.configure = function (this: unknown, c: { codec: string }) { w.videoConfigs.push(c.codec); return configure.call(this, c); };
  }));
  await page.goto(`http://127.0.0.1:${port}/?url=ws://127.0.0.1:${x.port}/`);
  await waitUntil('the viewer to connect', async () => (await pageState(page, false)).connected, { timeoutMs: 15_000 });
  // Record the session's stream events in the page.
  await page.evaluate(() => {
    const w = window as unknown as { spiceViewer: { session: { on(n: string, f: (e: { kind: string; codec: string; id: number; error?: { code: string; message: string } }) => void): void } }; streamEvents: string[] };
    w.streamEvents = [];
    w.spiceViewer.session.on('stream', (e) => w.streamEvents.push(`${e.kind} ${e.id} ${e.codec}${e.error ? ` ${e.error.code} ${e.error.message}` : ''}`));
  });
  return { page, log };
}

/** Waits until the canvas equals the X screen exactly. */
async function canvasEqualsRoot(page: Page, x: XspicePeer, what: string, log: string[]): Promise<void> {
  let verdict = 'never compared';
  const ok = await waitUntil(what, async () => {
    const root = await rootImage(x);
    const st = await pageState(page);
    const img = st.image ? fromDataUrl(st.image) : undefined;
    verdict = describe(img, root);
    return !!img && diffImages(img, root).count === 0;
  }, { timeoutMs: 20_000, intervalMs: 300 }).then(() => true, () => false);
  if (!ok) assert.fail(`${what}: ${verdict}; console: ${log.slice(-5).join(' | ')}`);
}

const PROBE: Record<string, string> = {
  vp8: PROBE_CODEC_STRINGS[VideoCodecType.VP8]!, h264: PROBE_CODEC_STRINGS[VideoCodecType.H264]!, vp9: PROBE_CODEC_STRINGS[VideoCodecType.VP9]!,
};
/** What VideoDecoder.configure is given for each codec (from the stream's own headers). */
const CONFIG: Record<string, RegExp> = { vp8: /^vp8$/, h264: /^avc1\.[0-9a-f]{6}$/, vp9: /^vp09\.0[0-3]\.10\.(08|10|12)$/ };

const CASES = [
  { codec: 'vp8', codecs: 'gstreamer:vp8', elements: ['vp8enc'] },
  { codec: 'h264', codecs: 'gstreamer:h264', elements: ['x264enc'] },
  { codec: 'vp9', codecs: 'gstreamer:vp9', elements: ['vp9enc'] },
  { codec: 'mjpeg', codecs: 'spice:mjpeg', elements: [] },
];

for (const c of CASES) {
  test(`web viewer: a ${c.codec} video stream from Xspice (${c.codecs}) is decoded by the browser and drawn; the canvas ends equal to the X screen`, async (t) => {
    if (!needPeers(t, 'Xspice', 'import')) return;
    if (c.elements.length && !needGstreamer(t, 'appsrc', 'videoconvert', 'appsink', ...c.elements)) return;
    const b = await chromiumReady(t);
    if (!b) return;
    const x = await startXspice({ demo: false, driverOptions: { SpiceStreamingVideo: 'all', SpiceVideoCodecs: c.codecs } });
    t.after(() => x.stop());
    const anim = await Animator.connect(x.display);
    t.after(() => anim.close());
    await anim.background();
    await anim.frame(0);
    const { page, log } = await openViewer(t, b, x);
    await canvasEqualsRoot(page, x, 'the first picture', log);

    // What the browser decodes decides what the viewer offers.
    const browserHas = c.codec === 'mjpeg' ? true
      : await page.evaluate(async (codec) => {
        const VD = (globalThis as unknown as { VideoDecoder?: { isConfigSupported(c: object): Promise<{ supported: boolean }> } }).VideoDecoder;
        return VD ? (await VD.isConfigSupported({ codec, optimizeForLatency: true })).supported : false;
      }, PROBE[c.codec]!);
    const expected = browserHas ? c.codec : 'mjpeg';
    t.diagnostic(`Chromium decodes ${c.codec}: ${browserHas}; expecting ${expected} streams`);

    // Play, then hold the last picture: while the stream is still up, the canvas shows it lossy.
    let heldState: PageState | undefined;
    const holdFrom = FRAMES + 8;
    await anim.play(60, async (i) => {
      if (i < holdFrom || i % 4 !== 0) return;
      const state = await pageState(page);
      if (state.active === 0) return;
      heldState = state;
      return true;
    });
    // The screen stays on the held picture from here on.
    const held = heldState && { state: heldState, root: await rootImage(x) };
    const stats0 = held?.state.stats ?? (await pageState(page, false)).stats;
    assert.ok(held, `the stream was up while the last picture was held (stream events: ${(await pageState(page, false)).events.join('; ')}; counters ${JSON.stringify(stats0)})`);
    const s = held.state.stats[expected];
    assert.ok(s && s.streams >= 1, `a ${expected} stream was created (counters: ${JSON.stringify(held.state.stats)}; events: ${held.state.events.join('; ')})`);
    assert.deepEqual(Object.keys(held.state.stats), [expected], 'no stream of another codec');
    assert.ok(s.drawn >= 20, `at least 20 frames drawn (${s.drawn} of ${s.frames} decoded)`);
    assert.equal(s.errors, 0, `no stream failed (events: ${held.state.events.join('; ')})`);
    const lossy = areaDiff(fromDataUrl(held.state.image!), held.root);
    t.diagnostic(`${expected}: ${s.frames} frames decoded, ${s.drawn} drawn, ${(s.decodeMs / Math.max(1, s.frames)).toFixed(2)} ms per frame; ` +
      `held picture vs X screen: mean ${lossy.mean.toFixed(2)}, max ${lossy.max}, ${lossy.outside} pixels off outside the area`);
    // Tolerance while streaming (lossy codecs at spice-server's bit rates): every pixel outside
    // the animated area exact, a mean absolute channel error under 12 and none above 128 inside.
    assert.equal(lossy.outside, 0, 'outside the animated area the canvas is exact while streaming');
    assert.ok(lossy.mean < 12 && lossy.max <= 128, `the streamed picture is close to the X screen (mean ${lossy.mean.toFixed(2)}, max ${lossy.max})`);

    // The animation stops: the stream times out and the server redraws the area losslessly.
    await waitUntil('the stream to end', async () => (await pageState(page, false)).active === 0, { timeoutMs: 10_000 });
    await canvasEqualsRoot(page, x, 'the canvas after the stream ended', log);
    const end = await pageState(page, false);
    if (expected === 'mjpeg') assert.deepEqual(end.configs, [], 'MJPEG does not go through VideoDecoder');
    else {
      assert.ok(end.configs.length >= 1 && end.configs.every((k) => CONFIG[expected]!.test(k)), `VideoDecoder configured for ${expected}: ${end.configs.join(', ')}`);
      t.diagnostic(`VideoDecoder.configure codec strings: ${[...new Set(end.configs)].join(', ')}`);
    }
    assert.ok(end.events.some((e) => e.startsWith(`created`) && e.endsWith(` ${expected}`)), `events: ${end.events.join('; ')}`);
    assert.ok(end.events.some((e) => e.startsWith(`destroyed`)), `events: ${end.events.join('; ')}`);
    assert.deepEqual(log.filter((l) => /page error|spice-ts:/.test(l)), [], 'no page or viewer errors');
  });
}

// ------------------------------------------------------------------ Node client: preference and failure

/** A stand-in VP8 decoder: counts frames, shows nothing (or fails at frame `failAt`). */
function fakeVp8(failAt?: number): StreamDecoderFactory & { frames: number } {
  const f = {
    frames: 0,
    codecs: () => [VideoCodecType.VP8],
    create: () => ({
      decode: () => {
        f.frames++;
        if (failAt !== undefined && f.frames >= failAt) throw new SpiceError(ErrorCode.CORRUPT_IMAGE, 'stand-in decoder failure');
        return undefined;
      },
    }),
  };
  return f;
}

async function nodeSession(t: import('node:test').TestContext, x: XspicePeer, opts: Parameters<typeof connect>[1]): Promise<{ s: SpiceSession; events: string[] }> {
  const s = await connect(`spice://127.0.0.1:${x.port}`, { channels: ['display'], mouseMode: 'keep', ...opts });
  t.after(() => s.close());
  const events: string[] = [];
  s.on('stream', (e) => events.push(`${e.kind} ${e.codec}${e.kind === 'error' ? ` ${e.error.code}` : ''}`));
  await waitUntil('the first picture', () => s.primary() !== undefined && s.displays.get(0)!.marked, { timeoutMs: 10_000 });
  return { s, events };
}

function surfaceImage(s: SpiceSession): RgbaImage {
  const p = s.primary()!;
  return { width: p.width, height: p.height, pixels: p.opaqueCopy() };
}

test('spice-server streams with the codec the client prefers (PREFERRED_VIDEO_CODEC_TYPE: vp8 before mjpeg)', async (t) => {
  if (!needPeers(t, 'Xspice') || !needGstreamer(t, 'appsrc', 'videoconvert', 'appsink', 'vp8enc')) return;
  // The server's own order puts MJPEG first.
  const x = await startXspice({ demo: false, driverOptions: { SpiceStreamingVideo: 'all', SpiceVideoCodecs: 'spice:mjpeg;gstreamer:vp8' } });
  t.after(() => x.stop());
  const anim = await Animator.connect(x.display);
  t.after(() => anim.close());
  await anim.background();
  // Without a preference the server's order holds: MJPEG, though VP8 is offered too.
  const plain = await nodeSession(t, x, { streamDecoders: fakeVp8() });
  await anim.play(0);
  await waitUntil('a stream', () => plain.events.some((e) => e.startsWith('created')), { timeoutMs: 5000 });
  assert.equal(plain.events.find((e) => e.startsWith('created')), 'created mjpeg', `events: ${plain.events.join('; ')}`);
  await plain.s.disconnect();
  await sleep(1500); // the old stream times out on the server
  const vp8 = fakeVp8();
  const { s, events } = await nodeSession(t, x, { streamDecoders: vp8, videoCodecs: ['vp8', 'mjpeg'] });
  await anim.play(0);
  await waitUntil('a stream', () => events.some((e) => e.startsWith('created')), { timeoutMs: 5000 });
  assert.equal(events.find((e) => e.startsWith('created')), 'created vp8', `events: ${events.join('; ')}`);
  assert.ok(vp8.frames >= 10, `${vp8.frames} VP8 frames reached the decoder`);
  assert.equal(s.displays.get(0)!.streamStats().vp8?.errors, 0);
});

test('a stream whose decoder fails ends alone: the server is told (STREAM_REPORT) and goes on with images; the picture ends exact', async (t) => {
  if (!needPeers(t, 'Xspice', 'import') || !needGstreamer(t, 'appsrc', 'videoconvert', 'appsink', 'vp8enc')) return;
  const x = await startXspice({ demo: false, driverOptions: { SpiceStreamingVideo: 'all', SpiceVideoCodecs: 'gstreamer:vp8' } });
  t.after(() => x.stop());
  const anim = await Animator.connect(x.display);
  t.after(() => anim.close());
  await anim.background();
  const vp8 = fakeVp8(3);
  const { s, events } = await nodeSession(t, x, { streamDecoders: vp8 });
  let drawsInArea = 0, counting = false;
  s.on('invalidate', (e) => {
    if (counting && e.rect.left < AREA.x + AREA.w && e.rect.right > AREA.x && e.rect.top < AREA.y + AREA.h && e.rect.bottom > AREA.y) drawsInArea++;
  });
  await anim.play(0, async () => {
    if (!counting && events.some((e) => e.startsWith('error'))) counting = true;
  });
  assert.deepEqual(events.slice(0, 2), ['created vp8', 'error vp8 ERR_CORRUPT_IMAGE'], `events: ${events.join('; ')}`);
  assert.ok(drawsInArea >= 10, `after the failure the area kept changing through images (${drawsInArea} draws)`);
  assert.equal(s.displays.size, 1, 'the display channel is still up');
  const stats = s.displays.get(0)!.streamStats().vp8!;
  assert.equal(stats.errors, 1);
  assert.ok(stats.dropped <= 5, `few frames were in flight when the stream failed (${stats.dropped})`);
  let verdict = '';
  await waitUntil('the picture to equal the X screen', async () => {
    const root = await rootImage(x);
    verdict = describe(surfaceImage(s), root);
    return diffImages(surfaceImage(s), root).count === 0;
  }, { timeoutMs: 15_000, intervalMs: 300 }).catch(() => assert.fail(verdict));
});
