/**
 * AudioPlayer: the playback channel's sound in a page, through Web Audio. Raw PCM is
 * converted to float buffers; Opus packets go through WebCodecs' AudioDecoder (asked for
 * only when the browser has it and supports 48 kHz stereo Opus). Buffers are scheduled
 * back to back on the AudioContext's clock a little ahead of now (the jitter buffer); a
 * buffer that would start late restarts the schedule, one that would start too far ahead
 * is dropped, so the delay stays small when the network or the tab stalls.
 *
 * Browsers start an AudioContext suspended until the user interacts with the page: the
 * player reports state 'blocked' (the viewer shows a hint) until resume() is called from a
 * click or key press.
 */
import type { PlaybackEvent, PlaybackMode } from '../client/channels/playback.js';

export type AudioState = 'unavailable' | 'idle' | 'blocked' | 'playing';

export interface AudioStatus {
  state: AudioState;
  /** Muted here (setMuted) or by the guest (its MUTE message). */
  muted: boolean;
  /** How the current stream arrives, while there is one. */
  mode?: PlaybackMode;
}

export interface AudioPlayerOptions {
  /** How far ahead of now buffers are scheduled, ms. Default 80. */
  jitterMs?: number;
  /** Scheduled sound beyond this is dropped (the clock drifted or data came in a burst), ms. Default 400. */
  maxDelayMs?: number;
  /** Decode Opus with WebCodecs when the browser can. Default true. */
  opus?: boolean;
  /** Every decoded buffer (one Float32Array per channel) before it is scheduled: for tests and meters. */
  tap?: (channels: Float32Array[], sampleRate: number) => void;
  /** How the AudioContext is made (default `new AudioContext()`). */
  createContext?: () => AudioContext | undefined;
}

const OPUS_CONFIG = { codec: 'opus', sampleRate: 48000, numberOfChannels: 2 } as const;

let opusProbe: Promise<boolean> | undefined;

/** Whether this browser decodes 48 kHz stereo Opus with WebCodecs (asked once). */
export function opusDecodable(): Promise<boolean> {
  opusProbe ??= (async () => {
    if (typeof AudioDecoder === 'undefined' || typeof AudioDecoder.isConfigSupported !== 'function') return false;
    try {
      return (await AudioDecoder.isConfigSupported({ ...OPUS_CONFIG })).supported === true;
    } catch {
      return false;
    }
  })();
  return opusProbe;
}

/** Interleaved s16 to one Float32Array per channel. */
export function deinterleave(pcm: Int16Array, channels: number): Float32Array[] {
  const frames = Math.floor(pcm.length / channels);
  const out: Float32Array[] = [];
  for (let c = 0; c < channels; c++) {
    const ch = new Float32Array(frames);
    for (let i = 0, j = c; i < frames; i++, j += channels) ch[i] = pcm[j]! / 32768;
    out.push(ch);
  }
  return out;
}

export class AudioPlayer {
  /** Called whenever the status changes. */
  onStatus?: (s: AudioStatus) => void;
  /** Decoder and context failures (sound stops; the session goes on). */
  onError?: (e: Error) => void;
  tap?: (channels: Float32Array[], sampleRate: number) => void;
  /** Buffers played, dropped as too far ahead, and schedule restarts (late buffers). */
  readonly stats = { played: 0, dropped: 0, resyncs: 0 };
  private ctx?: AudioContext;
  private gain?: GainNode;
  private nextTime = 0;
  private stream?: { mode: PlaybackMode; channels: number; frequency: number };
  private decoder?: AudioDecoder;
  private localMute = false;
  private guestMute = false;
  private guestVolume = 1;
  private statusNow: AudioStatus = { state: 'idle', muted: false };
  private closed = false;

  constructor(private readonly options: AudioPlayerOptions = {}) {
    this.tap = options.tap;
  }

  get status(): AudioStatus {
    return this.statusNow;
  }

  get muted(): boolean {
    return this.localMute || this.guestMute;
  }

  /** Whether to ask the server for Opus (call before connecting). */
  async wantsOpus(): Promise<boolean> {
    return this.options.opus !== false && (await opusDecodable());
  }

  /** Starts (or resumes) the AudioContext: call from a user gesture (click, key). */
  async resume(): Promise<void> {
    const ctx = this.context();
    if (!ctx || ctx.state === 'running') return;
    try {
      await ctx.resume();
    } catch (e) {
      this.onError?.(e as Error);
    }
    this.update();
  }

  setMuted(muted: boolean): void {
    this.localMute = muted;
    this.applyGain();
    this.update();
  }

  /** Feeds one playback channel event. */
  handle(e: PlaybackEvent): void {
    if (this.closed) return;
    switch (e.kind) {
      case 'start':
        this.startStream(e.mode, e.channels, e.frequency);
        break;
      case 'data':
        if (!this.stream) return;
        if (e.pcm) this.schedule(deinterleave(e.pcm, this.stream.channels), this.stream.frequency);
        else if (e.opus) this.decodeOpus(e.opus, e.time);
        break;
      case 'stop':
        this.endStream();
        this.update();
        break;
      case 'volume': {
        const v = e.volume;
        this.guestVolume = v.length ? v.reduce((a, b) => a + b, 0) / v.length / 65535 : 1;
        this.applyGain();
        break;
      }
      case 'mute':
        this.guestMute = e.muted;
        this.applyGain();
        this.update();
        break;
      case 'latency':
        break;
    }
  }

  /** The session ended: forget the stream (the context stays for the next one). */
  reset(): void {
    this.endStream();
    this.guestMute = false;
    this.guestVolume = 1;
    this.applyGain();
    this.update();
  }

  close(): void {
    this.endStream();
    this.closed = true;
    void this.ctx?.close().catch(() => undefined);
    this.ctx = undefined;
  }

  // ------------------------------------------------------------------

  private context(): AudioContext | undefined {
    if (this.ctx || this.closed) return this.ctx;
    try {
      this.ctx = this.options.createContext ? this.options.createContext()
        : typeof AudioContext === 'function' ? new AudioContext() : undefined;
    } catch (e) {
      this.onError?.(e as Error);
      this.ctx = undefined;
    }
    if (!this.ctx) return undefined;
    this.gain = this.ctx.createGain();
    this.gain.connect(this.ctx.destination);
    this.applyGain();
    this.ctx.onstatechange = () => this.update();
    return this.ctx;
  }

  private startStream(mode: PlaybackMode, channels: number, frequency: number): void {
    this.endStream();
    this.stream = { mode, channels, frequency };
    this.nextTime = 0;
    this.context();
    if (mode === 'opus') {
      if (typeof AudioDecoder === 'undefined') {
        this.onError?.(new Error('the server sends Opus but this browser has no AudioDecoder'));
      } else {
        try {
          const d = new AudioDecoder({
            output: (data) => this.decoded(data, d),
            error: (err) => this.onError?.(err),
          });
          d.configure({ codec: 'opus', sampleRate: frequency, numberOfChannels: channels });
          this.decoder = d;
        } catch (err) {
          this.onError?.(err as Error);
        }
      }
    }
    this.update();
  }

  private endStream(): void {
    if (this.decoder && this.decoder.state !== 'closed') this.decoder.close();
    this.decoder = undefined;
    this.stream = undefined;
  }

  private decodeOpus(packet: Uint8Array, timeMs: number): void {
    const d = this.decoder;
    if (!d || d.state !== 'configured') return;
    // A decoder this far behind will only add delay: skip the packet.
    if (d.decodeQueueSize > 50) { this.stats.dropped++; return; }
    try {
      d.decode(new EncodedAudioChunk({ type: 'key', timestamp: timeMs * 1000, data: packet }));
    } catch (err) {
      this.onError?.(err as Error);
    }
  }

  private decoded(data: AudioData, from: AudioDecoder): void {
    try {
      if (from !== this.decoder) return;
      const channels: Float32Array[] = [];
      for (let c = 0; c < data.numberOfChannels; c++) {
        const plane = new Float32Array(data.numberOfFrames);
        data.copyTo(plane, { planeIndex: c, format: 'f32-planar' });
        channels.push(plane);
      }
      this.schedule(channels, data.sampleRate);
    } finally {
      data.close();
    }
  }

  private schedule(channels: Float32Array[], rate: number): void {
    const frames = channels[0]?.length ?? 0;
    if (frames === 0) return;
    this.tap?.(channels, rate);
    const ctx = this.ctx;
    if (!ctx || ctx.state !== 'running' || !this.gain) return;
    const now = ctx.currentTime;
    const jitter = (this.options.jitterMs ?? 80) / 1000;
    const maxDelay = (this.options.maxDelayMs ?? 400) / 1000;
    if (this.nextTime < now + 0.005) {
      // Late (or the first buffer): start again a jitter buffer ahead.
      if (this.nextTime !== 0) this.stats.resyncs++;
      this.nextTime = now + jitter;
    } else if (this.nextTime > now + maxDelay) {
      this.stats.dropped++;
      return;
    }
    const buf = ctx.createBuffer(channels.length, frames, rate);
    for (let c = 0; c < channels.length; c++) buf.copyToChannel(channels[c]! as Float32Array<ArrayBuffer>, c);
    const src = ctx.createBufferSource();
    src.buffer = buf;
    src.connect(this.gain);
    src.start(this.nextTime);
    this.nextTime += frames / rate;
    this.stats.played++;
  }

  private applyGain(): void {
    if (this.gain) this.gain.gain.value = this.muted ? 0 : this.guestVolume;
  }

  private update(): void {
    const ctx = this.ctx;
    const state: AudioState = this.closed ? 'unavailable'
      : !this.stream ? 'idle'
      : !ctx ? 'unavailable'
      : ctx.state === 'running' ? 'playing' : 'blocked';
    const s: AudioStatus = { state, muted: this.muted, mode: this.stream?.mode };
    const was = this.statusNow;
    if (was.state === s.state && was.muted === s.muted && was.mode === s.mode) return;
    this.statusNow = s;
    this.onStatus?.(s);
  }
}
