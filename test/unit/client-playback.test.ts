/**
 * The playback channel, client side, against an in-memory server: the caps it links with
 * (Opus only when asked), START/DATA/STOP in raw and Opus modes with the session's
 * 'playback' events, VOLUME/MUTE/LATENCY, and malformed input closing only the playback
 * channel with a coded error. Also the viewer AudioPlayer's schedule on a fake AudioContext.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SpiceChannel } from '../../src/channel/channel.js';
import { AudioDataMode, AudioFmt, ChannelType, MouseMode, PlaybackCap } from '../../src/protocol/enums/index.js';
import { ErrorCode, type SpiceError } from '../../src/protocol/errors.js';
import { nodeTicketCrypto } from '../../src/protocol/crypto/node-ticket.js';
import { SpiceSession } from '../../src/client/session.js';
import type { PlaybackEvent, PlaybackOptions } from '../../src/client/channels/playback.js';
import { AudioPlayer, deinterleave } from '../../src/viewer/audio.js';
import { until } from '../helpers/pair.js';
import { fakeServer } from '../helpers/fake-server.js';

const hasCap = (words: number[], bit: number) => (((words[bit >> 5] ?? 0) >>> (bit & 31)) & 1) === 1;

async function connect(playback?: PlaybackOptions) {
  const srv = fakeServer([ChannelType.MAIN, ChannelType.PLAYBACK]);
  const connecting = SpiceSession.connect({
    open: srv.open, hasPlain: true, hasTls: false, crypto: nodeTicketCrypto, channels: ['playback'], playback, timeoutMs: 3000,
  });
  await until(() => srv.ends[0]?.channel.ready === true);
  const main = srv.ends[0]!.channel;
  main.send({
    name: 'init',
    body: { session_id: 7, display_channels_hint: 0, supported_mouse_modes: MouseMode.SERVER, current_mouse_mode: MouseMode.SERVER, agent_connected: 0, agent_tokens: 0, multi_media_time: 0, ram_hint: 0 },
  });
  main.send({ name: 'channels_list', body: { num_of_channels: 1, channels: [{ type: ChannelType.PLAYBACK, id: 0 }] } });
  const session = await connecting;
  const events: PlaybackEvent[] = [];
  const errors: SpiceError[] = [];
  const down: { name: string; error?: SpiceError }[] = [];
  session.on('playback', (e) => events.push(e));
  session.on('error', (e) => errors.push(e));
  session.on('channel-down', (e) => down.push(e));
  return { session, pb: srv.ends[1]!, events, errors, down };
}

/** Little-endian s16 bytes of `samples`. */
function s16(samples: number[]): Uint8Array {
  const b = new Uint8Array(samples.length * 2);
  const dv = new DataView(b.buffer);
  samples.forEach((v, i) => dv.setInt16(i * 2, v, true));
  return b;
}

test('caps: VOLUME and LATENCY always, OPUS only when the consumer decodes Opus, never CELT', async () => {
  for (const opus of [false, true]) {
    const { session, pb } = await connect({ opus });
    try {
      assert.ok(hasCap(pb.caps, PlaybackCap.VOLUME) && hasCap(pb.caps, PlaybackCap.LATENCY));
      assert.equal(hasCap(pb.caps, PlaybackCap.OPUS), opus);
      assert.equal(hasCap(pb.caps, PlaybackCap.CELT_0_5_1), false);
      assert.ok(session.playback, 'the session holds the playback client');
    } finally {
      session.close();
    }
  }
});

test('raw mode: START, DATA as interleaved s16 (little-endian), VOLUME, MUTE, LATENCY, STOP', async () => {
  const { session, pb, events, errors } = await connect();
  try {
    const ch = pb.channel;
    ch.send({ name: 'mode', body: { time: 10, mode: AudioDataMode.RAW, data: new Uint8Array(0) } });
    ch.send({ name: 'start', body: { channels: 2, format: AudioFmt.S16, frequency: 48000, time: 1000 } });
    const samples = [1, -1, 32767, -32768, 258, -258];
    ch.send({ name: 'data', body: { time: 1005, data: s16(samples) } });
    ch.send({ name: 'volume', body: { nchannels: 2, volume: [65535, 32768] } });
    ch.send({ name: 'mute', body: { mute: 1 } });
    ch.send({ name: 'latency', body: { latency_ms: 120 } });
    ch.send({ name: 'stop', body: {} });
    await until(() => events.length === 6);
    assert.deepEqual(events[0], { kind: 'start', mode: 'raw', channels: 2, frequency: 48000, time: 1000 });
    const d = events[1] as Extract<PlaybackEvent, { kind: 'data' }>;
    assert.equal(d.time, 1005);
    assert.ok(d.pcm instanceof Int16Array);
    assert.deepEqual([...d.pcm], samples);
    assert.equal(d.opus, undefined);
    assert.deepEqual(events.slice(2), [
      { kind: 'volume', volume: [65535, 32768] },
      { kind: 'mute', muted: true },
      { kind: 'latency', ms: 120 },
      { kind: 'stop' },
    ]);
    assert.equal(session.playback?.muted, true);
    assert.equal(session.playback?.stream, undefined);
    assert.deepEqual(errors, []);
  } finally {
    session.close();
  }
});

test('Opus mode: each DATA is one packet, passed on as bytes', async () => {
  const { session, pb, events, errors } = await connect({ opus: true });
  const local: string[] = [];
  session.playback!.on('start', (s) => local.push(`start ${s.mode}`));
  session.playback!.on('data', (d) => local.push(`data ${d.opus?.length}`));
  try {
    const ch = pb.channel;
    ch.send({ name: 'mode', body: { time: 0, mode: AudioDataMode.OPUS, data: new Uint8Array(0) } });
    ch.send({ name: 'start', body: { channels: 2, format: AudioFmt.S16, frequency: 48000, time: 50 } });
    const packet = new Uint8Array([0xfc, 0xff, 0xfe, 1, 2, 3]);
    ch.send({ name: 'data', body: { time: 60, data: packet } });
    ch.send({ name: 'data', body: { time: 70, data: packet.subarray(0, 3) } });
    await until(() => events.length === 3);
    assert.deepEqual(events[0], { kind: 'start', mode: 'opus', channels: 2, frequency: 48000, time: 50 });
    const d = events[1] as Extract<PlaybackEvent, { kind: 'data' }>;
    assert.deepEqual([...d.opus!], [...packet]);
    assert.equal(d.pcm, undefined);
    assert.equal((events[2] as { opus: Uint8Array }).opus.length, 3);
    assert.deepEqual(local, ['start opus', 'data 6', 'data 3'], 'the client\'s own events');
    assert.deepEqual(errors, []);
  } finally {
    session.close();
  }
});

const bad: [string, (ch: SpiceChannel) => void, string][] = [
  ['PCM that is not whole stereo frames', (ch) => {
    ch.send({ name: 'start', body: { channels: 2, format: AudioFmt.S16, frequency: 44100, time: 0 } });
    ch.send({ name: 'data', body: { time: 1, data: new Uint8Array(6) } });
  }, ErrorCode.CORRUPT_IMAGE],
  ['DATA before START', (ch) => ch.send({ name: 'data', body: { time: 1, data: new Uint8Array(4) } }), ErrorCode.INCONSISTENT],
  ['Opus chosen though not offered', (ch) => ch.send({ name: 'mode', body: { time: 0, mode: AudioDataMode.OPUS, data: new Uint8Array(0) } }), ErrorCode.UNSUPPORTED],
  ['CELT', (ch) => ch.send({ name: 'mode', body: { time: 0, mode: AudioDataMode.CELT_0_5_1, data: new Uint8Array(0) } }), ErrorCode.UNSUPPORTED],
  ['a frequency of 0 Hz', (ch) => ch.send({ name: 'start', body: { channels: 2, format: AudioFmt.S16, frequency: 0, time: 0 } }), ErrorCode.INCONSISTENT],
  ['300 channels', (ch) => ch.send({ name: 'start', body: { channels: 300, format: AudioFmt.S16, frequency: 48000, time: 0 } }), ErrorCode.INCONSISTENT],
  ['an unknown sample format', (ch) => ch.send({ name: 'start', body: { channels: 2, format: 9, frequency: 48000, time: 0 } }), ErrorCode.UNSUPPORTED],
  ['a packet over maxPacketBytes', (ch) => {
    ch.send({ name: 'start', body: { channels: 2, format: AudioFmt.S16, frequency: 48000, time: 0 } });
    ch.send({ name: 'data', body: { time: 1, data: new Uint8Array(70000) } });
  }, ErrorCode.LIMIT],
];

for (const [what, send, code] of bad) {
  test(`malformed playback input (${what}) closes only the playback channel with ${code}`, async () => {
    const { session, pb, errors, down } = await connect();
    try {
      send(pb.channel);
      await until(() => down.length === 1);
      assert.equal(down[0]!.name, 'playback');
      assert.equal(down[0]!.error?.code, code);
      assert.equal(errors[0]?.code, code);
      assert.equal(errors[0]?.channel, 'playback');
      assert.equal(session.playback, undefined);
      assert.equal(session.main.closed, false, 'the session goes on');
    } finally {
      session.close();
    }
  });
}

// ---------------------------------------------------------------- AudioPlayer

/** A fake AudioContext: records what is scheduled when; `now` is set by the test. */
function fakeContext() {
  const started: { at: number; frames: number; rate: number; channels: Float32Array[] }[] = [];
  const ctx = {
    state: 'suspended' as string,
    currentTime: 0,
    destination: {},
    onstatechange: null as null | (() => void),
    createGain: () => ({ gain: { value: 1 }, connect: () => undefined }),
    createBuffer: (n: number, frames: number, rate: number) => {
      const channels = Array.from({ length: n }, () => new Float32Array(frames));
      return { channels, frames, rate, copyToChannel: (src: Float32Array, c: number) => channels[c]!.set(src) };
    },
    createBufferSource: () => {
      const s = { buffer: undefined as unknown as { channels: Float32Array[]; frames: number; rate: number }, connect: () => undefined,
        start: (at: number) => started.push({ at, frames: s.buffer.frames, rate: s.buffer.rate, channels: s.buffer.channels }) };
      return s;
    },
    resume: async () => { ctx.state = 'running'; ctx.onstatechange?.(); },
    close: async () => { ctx.state = 'closed'; },
  };
  return { ctx, started };
}

test('AudioPlayer: blocked until resumed, then buffers back to back a jitter buffer ahead; late resyncs, too far ahead drops', async () => {
  const { ctx, started } = fakeContext();
  const states: string[] = [];
  const player = new AudioPlayer({ jitterMs: 80, maxDelayMs: 300, createContext: () => ctx as unknown as AudioContext });
  player.onStatus = (s) => states.push(`${s.state}${s.muted ? ' muted' : ''}`);
  const chunk = (frames: number) => new Int16Array(frames * 2).fill(16384);
  player.handle({ kind: 'start', mode: 'raw', channels: 2, frequency: 48000, time: 0 });
  assert.equal(player.status.state, 'blocked', 'a new context waits for a gesture');
  player.handle({ kind: 'data', time: 0, pcm: chunk(480) });
  assert.equal(started.length, 0, 'nothing is scheduled while blocked');
  await player.resume();
  assert.equal(player.status.state, 'playing');
  ctx.currentTime = 1;
  for (let i = 0; i < 3; i++) player.handle({ kind: 'data', time: i * 10, pcm: chunk(480) });
  // 480 frames at 48 kHz are 10 ms: back to back from now + 80 ms.
  started.forEach((s, i) => assert.ok(Math.abs(s.at - (1.08 + i * 0.01)) < 1e-9, `buffer ${i} at ${s.at}`));
  assert.equal(started.length, 3);
  assert.equal(started[0]!.channels[0]![0], 0.5, 's16 16384 is 0.5');
  // The clock ran past the schedule: the next buffer restarts a jitter buffer ahead.
  ctx.currentTime = 2;
  player.handle({ kind: 'data', time: 40, pcm: chunk(480) });
  assert.ok(Math.abs(started[3]!.at - 2.08) < 1e-9);
  assert.equal(player.stats.resyncs, 1);
  // A burst: beyond maxDelayMs is dropped.
  for (let i = 0; i < 40; i++) player.handle({ kind: 'data', time: 50 + i, pcm: chunk(480) });
  const last = started[started.length - 1]!.at;
  assert.ok(last - 2 <= 0.3 + 1e-9, `nothing scheduled beyond 300 ms ahead (${last - 2})`);
  assert.ok(player.stats.dropped > 0);
  player.setMuted(true);
  player.handle({ kind: 'mute', muted: false });
  assert.deepEqual(states, ['blocked', 'playing', 'playing muted']);
  player.handle({ kind: 'stop' });
  assert.equal(player.status.state, 'idle');
  player.close();
});

test('deinterleave splits s16 frames into float channels', () => {
  const [l, r] = deinterleave(new Int16Array([32767, -32768, 0, 16384]), 2);
  assert.deepEqual([...l!], [32767 / 32768, 0]);
  assert.deepEqual([...r!], [-1, 0.5]);
});
