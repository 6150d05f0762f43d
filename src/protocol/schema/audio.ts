/**
 * Playback (type 5) and record (type 6) channels.
 */
import { AudioDataMode, AudioFmt } from '../enums/index.js';
import { struct, array, bytes, u8, u16, u32, e16, REST } from '../wire/types.js';
import { Empty } from './define.js';

// nchannels:u8 volume:u16[nchannels]
const Volume = struct('AudioVolume', { nchannels: u8, volume: array(u16, 'nchannels') });
// mute:u8
const Mute = struct('AudioMute', { mute: u8 });
// time:u32 data:u8[] (samples or one encoded packet)
const Packet = struct('AudioPacket', { time: u32, data: bytes(REST) });
// time:u32 mode:u16 (audio_data_mode) data:u8[]
const Mode = struct('AudioMode', { time: u32, mode: e16(AudioDataMode), data: bytes(REST) });

export const playbackServer = {
  data: [101, Packet],
  mode: [102, Mode],
  // channels:u32 format:u16 (audio_fmt) frequency:u32 time:u32
  start: [103, struct('PlaybackStart', { channels: u32, format: e16(AudioFmt), frequency: u32, time: u32 })],
  stop: [104, Empty],
  volume: [105, Volume],
  mute: [106, Mute],
  // latency_ms:u32
  latency: [107, struct('PlaybackLatency', { latency_ms: u32 })],
} as const;

export const playbackClient = {} as const;

export const recordServer = {
  // channels:u32 format:u16 frequency:u32
  start: [101, struct('RecordStart', { channels: u32, format: e16(AudioFmt), frequency: u32 })],
  stop: [102, Empty],
  volume: [103, Volume],
  mute: [104, Mute],
} as const;

export const recordClient = {
  data: [101, Packet],
  mode: [102, Mode],
  // time:u32
  start_mark: [103, struct('RecordStartMark', { time: u32 })],
} as const;
