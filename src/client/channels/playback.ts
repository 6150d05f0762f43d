/**
 * The playback channel, client side: the server's sound as raw 16-bit PCM or
 * Opus packets, with the stream's start/stop, the guest's volume and mute,
 * and the latency the server wants. Browser-safe: it only parses and checks
 * (it decodes nothing); a player (the viewer's AudioPlayer, a Node sink)
 * listens to the events.
 *
 * The server picks the mode (MODE, sent before START) from the client's caps:
 * Opus only when PLAYBACK_CAP_OPUS is announced, which we do only when the
 * consumer says it can decode Opus. CELT is obsolete and never announced.
 */
import { AudioDataMode, AudioFmt, PlaybackCap } from '../../protocol/enums/index.js';
import { ErrorCode, SpiceError } from '../../protocol/errors.js';
import { Emitter } from '../../channel/emitter.js';
import { ChannelClient, type HandlerTable } from './base.js';

export type PlaybackMode = 'raw' | 'opus';

export interface PlaybackOptions {
  /** The consumer can decode Opus (48 kHz stereo): announce PLAYBACK_CAP_OPUS. Default false (raw PCM). */
  opus?: boolean;
  /** Largest DATA payload accepted, bytes (raw PCM chunk or one Opus packet). Default 65536. */
  maxPacketBytes?: number;
}

export interface PlaybackEvents {
  /** A stream starts. `time`: the server's multimedia time (ms) of its first sample. */
  start: { mode: PlaybackMode; channels: number; frequency: number; time: number };
  /** Samples: `pcm` (interleaved s16, raw mode) or `opus` (one packet). `time`: mm time, ms. */
  data: { time: number; pcm?: Int16Array; opus?: Uint8Array };
  stop: Record<never, never>;
  /** The guest's volume, one 0..65535 value per channel. */
  volume: { volume: number[] };
  mute: { muted: boolean };
  /** The playback latency the server asks for, ms. */
  latency: { ms: number };
}

export type PlaybackEvent = { [K in keyof PlaybackEvents]: { kind: K } & PlaybackEvents[K] }[keyof PlaybackEvents];

const MIN_FREQUENCY = 8000;
const MAX_FREQUENCY = 192000;
const MAX_CHANNELS = 8;

class PlaybackEmitter extends Emitter<PlaybackEvents> {
  fire<K extends keyof PlaybackEvents>(k: K, v: PlaybackEvents[K]): void { this.emit(k, v); }
}

export class PlaybackClient extends ChannelClient {
  /** The mode the server announced (raw until told otherwise). */
  mode: PlaybackMode = 'raw';
  /** The current stream (between START and STOP). */
  stream?: { mode: PlaybackMode; channels: number; frequency: number };
  volume?: number[];
  muted = false;
  latencyMs?: number;
  /** Every event, in order (the session forwards these). */
  onEvent?: (e: PlaybackEvent) => void;
  private readonly events = new PlaybackEmitter();
  private options: PlaybackOptions = {};

  /** The caps to link with: VOLUME and LATENCY, OPUS only when the consumer decodes it. */
  static caps(o: PlaybackOptions = {}): number[] {
    const caps: number[] = [PlaybackCap.VOLUME, PlaybackCap.LATENCY];
    if (o.opus) caps.push(PlaybackCap.OPUS);
    return caps;
  }

  configure(o: PlaybackOptions = {}): this {
    this.options = o;
    return this;
  }

  on<K extends keyof PlaybackEvents>(event: K, fn: (v: PlaybackEvents[K]) => void): () => void {
    return this.events.on(event, fn);
  }

  private fire<K extends keyof PlaybackEvents>(kind: K, v: PlaybackEvents[K]): void {
    this.events.fire(kind, v);
    this.onEvent?.({ kind, ...v } as PlaybackEvent);
  }

  private readonly handlers: HandlerTable<'playback'> = {
    mode: (b) => {
      if (b.mode === AudioDataMode.RAW) this.mode = 'raw';
      else if (b.mode === AudioDataMode.OPUS && this.options.opus) this.mode = 'opus';
      else throw new SpiceError(ErrorCode.UNSUPPORTED, `the server chose audio mode ${b.mode}, which this client did not offer`);
    },
    start: (b) => {
      if (b.format !== AudioFmt.S16) throw new SpiceError(ErrorCode.UNSUPPORTED, `playback format ${b.format} is not 16-bit signed PCM`);
      if (b.channels < 1 || b.channels > MAX_CHANNELS) throw new SpiceError(ErrorCode.INCONSISTENT, `playback with ${b.channels} channels`);
      if (b.frequency < MIN_FREQUENCY || b.frequency > MAX_FREQUENCY) {
        throw new SpiceError(ErrorCode.INCONSISTENT, `playback frequency ${b.frequency} Hz is out of range`);
      }
      this.stream = { mode: this.mode, channels: b.channels, frequency: b.frequency };
      this.fire('start', { ...this.stream, time: b.time });
    },
    data: (b) => {
      const s = this.stream;
      if (!s) throw new SpiceError(ErrorCode.INCONSISTENT, 'playback DATA before START');
      const n = b.data.length;
      const max = this.options.maxPacketBytes ?? 65536;
      if (n > max) throw new SpiceError(ErrorCode.LIMIT, `playback packet of ${n} bytes exceeds ${max} (maxPacketBytes)`);
      if (s.mode === 'opus') {
        if (n === 0) throw new SpiceError(ErrorCode.CORRUPT_IMAGE, 'empty Opus packet');
        this.fire('data', { time: b.time, opus: b.data.slice() });
        return;
      }
      const frame = 2 * s.channels;
      if (n % frame !== 0) throw new SpiceError(ErrorCode.CORRUPT_IMAGE, `raw PCM of ${n} bytes is not whole ${s.channels}-channel 16-bit frames`);
      const pcm = new Int16Array(n >> 1);
      const dv = new DataView(b.data.buffer, b.data.byteOffset, n);
      for (let i = 0; i < pcm.length; i++) pcm[i] = dv.getInt16(i * 2, true);
      this.fire('data', { time: b.time, pcm });
    },
    stop: () => {
      this.stream = undefined;
      this.fire('stop', {});
    },
    volume: (b) => {
      this.volume = [...b.volume];
      this.fire('volume', { volume: this.volume });
    },
    mute: (b) => {
      this.muted = b.mute !== 0;
      this.fire('mute', { muted: this.muted });
    },
    latency: (b) => {
      this.latencyMs = b.latency_ms;
      this.fire('latency', { ms: b.latency_ms });
    },
  };

  protected handler(name: string) {
    return this.handlers[name as keyof HandlerTable<'playback'>] as ((body: never) => void) | undefined;
  }
}
