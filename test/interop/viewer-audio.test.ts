/**
 * Sound from a real spice-server: Xspice plays what is written into a FIFO in its
 * SpicePlaybackFIFODir (16-bit stereo PCM at the server's best rate, 48 kHz when it has
 * Opus). A 1 kHz sine goes in:
 * - our Node client (raw PCM asked for) receives DATA whose samples cross zero 2000 times
 *   a second;
 * - with Opus offered, spice-server switches the stream to Opus, and the web viewer in
 *   headless Chromium decodes it with WebCodecs: the samples it schedules (its debug tap)
 *   have the sine's frequency too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startXspice, needPeers, waitUntil, interopRequired, type XspicePeer } from '../harness/peers.js';
import { chromiumReady, newPage, serveViewerFiles } from '../harness/browser.js';
import { connect } from '../../src/client/node.js';
import type { PlaybackEvent } from '../../src/client/channels/playback.js';

const TONE_HZ = 1000;

async function xspiceWithAudio(t: import('node:test').TestContext): Promise<{ x: XspicePeer; fifoDir: string }> {
  const fifoDir = mkdtempSync(join(tmpdir(), 'spice-ts-audio-'));
  const x = await startXspice({ demo: false, driverOptions: { SpicePlaybackFIFODir: fifoDir } });
  t.after(async () => { await x.stop(); rmSync(fifoDir, { recursive: true, force: true }); });
  return { x, fifoDir };
}

/** Makes a FIFO in the watched folder and writes `seconds` of a stereo s16 sine at `rate` into it. */
function playSine(t: import('node:test').TestContext, fifoDir: string, rate: number, seconds: number): Promise<void> {
  const path = join(fifoDir, `tone-${Date.now()}.fifo`);
  execFileSync('mkfifo', [path]);
  const frames = Math.round(rate * seconds);
  const pcm = new Int16Array(frames * 2);
  for (let i = 0; i < frames; i++) {
    const v = Math.round(12000 * Math.sin((2 * Math.PI * TONE_HZ * i) / rate));
    pcm[2 * i] = v;
    pcm[2 * i + 1] = v;
  }
  // Opening for writing waits for Xspice to open its end (it does on the inotify event).
  const out = createWriteStream(path);
  t.after(() => out.destroy());
  return new Promise((resolve, reject) => {
    out.on('error', reject);
    out.end(Buffer.from(pcm.buffer), () => resolve());
  });
}

/** Frequency of a signal from its zero crossings, over the loud part only. */
function frequency(samples: ArrayLike<number>, rate: number, threshold: number): number {
  let first = -1;
  let last = -1;
  let crossings = 0;
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1]!;
    const b = samples[i]!;
    if (Math.abs(b) > threshold && first < 0) first = i;
    if (first < 0) continue;
    if ((a < 0 && b >= 0) || (a >= 0 && b < 0)) { crossings++; last = i; }
  }
  if (crossings < 2 || last <= first) return 0;
  return crossings / 2 / ((last - first) / rate);
}

test('Xspice playback: raw PCM of a 1 kHz sine reaches the Node client', async (t) => {
  if (!needPeers(t, 'Xspice', 'mkfifo')) return;
  const { x, fifoDir } = await xspiceWithAudio(t);
  const session = await connect(`spice://127.0.0.1:${x.port}`, { channels: ['playback'], playback: { opus: false } });
  t.after(() => session.close());
  const events: PlaybackEvent[] = [];
  session.on('playback', (e) => events.push(e));
  await waitUntil('the playback channel', () => session.playback !== undefined, { timeoutMs: 5000 });
  const rate = session.playback!.stream?.frequency ?? 48000;
  await playSine(t, fifoDir, rate, 1.5);
  await waitUntil('a second of sound', () => events.filter((e) => e.kind === 'data').length * 480 > rate, { timeoutMs: 10_000 });
  const start = session.playback!.stream ?? events.find((e) => e.kind === 'start');
  assert.ok(start, 'a stream started');
  assert.equal(start.mode, 'raw', 'raw PCM when Opus is not offered');
  assert.equal(start.channels, 2);
  const left: number[] = [];
  for (const e of events) if (e.kind === 'data' && e.pcm) for (let i = 0; i < e.pcm.length; i += 2) left.push(e.pcm[i]!);
  const f = frequency(left, start.frequency, 3000);
  assert.ok(Math.abs(f - TONE_HZ) < 20, `the PCM is a ${TONE_HZ} Hz tone (measured ${f.toFixed(1)} Hz at ${start.frequency} Hz)`);
});

test('Xspice playback with Opus offered: spice-server sends Opus and the web viewer decodes the tone', async (t) => {
  const b = await chromiumReady(t, 'Xspice', 'mkfifo');
  if (!b) return;
  const { x, fifoDir } = await xspiceWithAudio(t);

  // What spice-server does when the client offers Opus.
  const probe = await connect(`spice://127.0.0.1:${x.port}`, { channels: ['playback'], playback: { opus: true } });
  const starts: PlaybackEvent[] = [];
  probe.on('playback', (e) => { if (e.kind === 'start') starts.push(e); });
  await waitUntil('the playback channel', () => probe.playback !== undefined, { timeoutMs: 5000 });
  const rate = probe.playback!.stream?.frequency ?? 48000;
  const fed = playSine(t, fifoDir, rate, 0.5);
  await waitUntil('a stream', () => probe.playback?.stream !== undefined, { timeoutMs: 10_000 });
  const mode = probe.playback!.stream!.mode;
  probe.close();
  await fed.catch(() => undefined);
  if (mode !== 'opus') {
    if (interopRequired()) assert.fail(`spice-server answered Opus with mode ${mode} (built without Opus?)`);
    t.skip(`spice-server answered Opus with mode ${mode} (built without Opus?)`);
    return;
  }

  const url = await serveViewerFiles(t);
  const { page, log } = await newPage(t, b);
  await page.goto(`${url}?url=${encodeURIComponent(`ws://127.0.0.1:${x.port}/`)}&scale=none`);
  const canDecode = await page.evaluate(async () => typeof AudioDecoder !== 'undefined'
    && (await AudioDecoder.isConfigSupported({ codec: 'opus', sampleRate: 48000, numberOfChannels: 2 })).supported === true);
  if (!canDecode) {
    if (interopRequired()) assert.fail('this Chromium has no WebCodecs Opus decoder');
    t.skip('this Chromium has no WebCodecs Opus decoder: the viewer asks for raw PCM');
    return;
  }
  await waitUntil('the viewer to connect', () => page.evaluate(() => document.getElementById('status')?.dataset.state === 'connected'), { timeoutMs: 15_000 });
  await page.evaluate(() => {
    const w = window as unknown as { spiceViewer: { audio?: { tap?: (c: Float32Array[], r: number) => void } }; tapped: number[]; tapRate: number };
    w.tapped = [];
    w.spiceViewer.audio!.tap = (c, r) => { w.tapRate = r; for (const v of c[0]!) w.tapped.push(v); };
  });
  await waitUntil('the playback channel in the page', () => page.evaluate(() =>
    (window as unknown as { spiceViewer: { session?: { playback?: unknown } } }).spiceViewer.session?.playback !== undefined), { timeoutMs: 5000 });
  // A user gesture lets the AudioContext run.
  await page.mouse.click(5, 60);
  await playSine(t, fifoDir, rate, 1.5);
  await waitUntil('a second of decoded sound', () => page.evaluate(() => (window as unknown as { tapped: number[] }).tapped.length > 48000), { timeoutMs: 10_000 });
  const { samples, tapRate, status } = await page.evaluate(() => {
    const w = window as unknown as { tapped: number[]; tapRate: number; spiceViewer: { audio?: { status: unknown } } };
    return { samples: w.tapped, tapRate: w.tapRate, status: w.spiceViewer.audio?.status as { state: string; mode?: string } };
  });
  assert.equal(status.mode, 'opus', 'the viewer got Opus');
  const f = frequency(samples, tapRate, 0.1);
  assert.ok(Math.abs(f - TONE_HZ) < 20, `the decoded sound is a ${TONE_HZ} Hz tone (measured ${f.toFixed(1)} Hz)`);
  assert.deepEqual(log.filter((l) => /page error/.test(l)), [], 'no page errors');
});
