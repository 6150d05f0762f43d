/**
 * The little a WebCodecs decoder needs to know about a SPICE video frame before decoding
 * it: whether it is a key frame (WebCodecs must be told, and must start on one), whether it
 * shows a picture (a hidden frame gives no output, and nobody must wait for one), and for
 * H.264/H.265 the codec string the stream's parameter sets name (profile, level).
 *
 * Frames are as spice-server's GStreamer encoders send them: one VP8 or VP9 frame (or VP9
 * superframe) per message; H.264 and H.265 as Annex B byte streams (start codes, parameter
 * sets in band: x264enc byte-stream=true aud=true), one access unit per message.
 * Written from the VP8 (RFC 6386), VP9 bitstream, H.264/H.265 and ISO/IEC 14496-15 specs.
 */
import { VideoCodecType } from '../protocol/enums/index.js';
import { ErrorCode, SpiceError } from '../protocol/errors.js';

export interface FrameFacts {
  key: boolean;
  /** The frame shows a picture (false: the decoder will output nothing for it). */
  shown: boolean;
  /** Codec string for VideoDecoder.configure, when this frame names one (key frames). */
  codec?: string;
}

/**
 * Codec strings used to ask the browser whether it decodes a codec, for the streams
 * spice-server really sends: its pipeline "videoconvert ! x264enc" (or vp9enc) lets
 * GStreamer pick 4:4:4 chroma from the BGRx screen, so H.264 comes as High 4:4:4 Predictive
 * (profile 244, seen as avc1.f40014 from spice-server 0.15.1) and VP9 as profile 1
 * (vp09.01.10.08). A browser with only the usual profiles would fail every such stream.
 */
export const PROBE_CODEC_STRINGS: Readonly<Record<number, string>> = {
  [VideoCodecType.VP8]: 'vp8',
  [VideoCodecType.VP9]: 'vp09.01.10.08',
  [VideoCodecType.H264]: 'avc1.F4001F',
  [VideoCodecType.H265]: 'hev1.1.6.L93.B0',
};

const corrupt = (what: string) => new SpiceError(ErrorCode.CORRUPT_IMAGE, what);
const hex2 = (v: number) => v.toString(16).padStart(2, '0');

/** VP8: the 3-byte frame tag (RFC 6386 9.1). */
export function vp8Facts(d: Uint8Array): FrameFacts {
  if (d.length < 3) throw corrupt(`VP8: a ${d.length}-byte frame`);
  const key = (d[0]! & 1) === 0;
  if (key && (d.length < 10 || d[3] !== 0x9d || d[4] !== 0x01 || d[5] !== 0x2a)) throw corrupt('VP8: a key frame without its start code');
  return { key, shown: (d[0]! & 0x10) !== 0, codec: key ? 'vp8' : undefined };
}

/** Reads bits most-significant first. */
class Bits {
  private pos = 0;
  constructor(private readonly d: Uint8Array, private readonly end = d.length) {}
  bit(): number {
    const byte = this.pos >> 3;
    if (byte >= this.end) throw corrupt('video frame header: truncated');
    const v = (this.d[byte]! >> (7 - (this.pos & 7))) & 1;
    this.pos++;
    return v;
  }
  bits(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 2 + this.bit();
    return v;
  }
  skip(n: number): void {
    this.pos += n;
  }
}

/** One VP9 frame's uncompressed header: key, shown, and for key frames profile and bit depth. */
function vp9FrameHeader(d: Uint8Array, start: number, end: number): FrameFacts {
  const b = new Bits(d.subarray(start, end));
  if (b.bits(2) !== 2) throw corrupt('VP9: bad frame marker');
  const profile = b.bit() | (b.bit() << 1);
  if (profile === 3) b.skip(1);
  if (b.bit()) return { key: false, shown: true }; // show_existing_frame
  const key = b.bit() === 0;
  const shown = b.bit() === 1;
  if (!key) return { key, shown };
  b.skip(1); // error_resilient_mode
  if (b.bits(24) !== 0x498342) throw corrupt('VP9: a key frame without its sync code');
  const depth = profile >= 2 ? (b.bit() ? 12 : 10) : 8;
  return { key, shown, codec: `vp09.0${profile}.10.${String(depth).padStart(2, '0')}` };
}

/** VP9: one frame, or a superframe (frames with an index at the end; Annex B of the VP9 spec). */
export function vp9Facts(d: Uint8Array): FrameFacts {
  if (d.length < 1) throw corrupt('VP9: an empty frame');
  const last = d[d.length - 1]!;
  if ((last & 0xe0) === 0xc0) {
    const frames = (last & 7) + 1, mag = ((last >> 3) & 3) + 1;
    const indexSize = 2 + mag * frames;
    if (d.length >= indexSize && d[d.length - indexSize] === last) {
      let at = 0, pos = d.length - indexSize + 1;
      const parts: FrameFacts[] = [];
      for (let i = 0; i < frames; i++) {
        let size = 0;
        for (let k = 0; k < mag; k++) size += d[pos++]! * 2 ** (8 * k);
        if (size === 0 || at + size > d.length - indexSize) throw corrupt('VP9: a superframe index past its data');
        parts.push(vp9FrameHeader(d, at, at + size));
        at += size;
      }
      return { key: parts[0]!.key, shown: parts.some((p) => p.shown), codec: parts.find((p) => p.codec)?.codec };
    }
  }
  return vp9FrameHeader(d, 0, d.length);
}

/** The NAL units of an Annex B byte stream: [start, end) of each, start at its header. */
export function annexBUnits(d: Uint8Array): [number, number][] {
  const out: [number, number][] = [];
  let start = -1;
  for (let i = 0; i + 2 < d.length; i++) {
    if (d[i] === 0 && d[i + 1] === 0 && d[i + 2] === 1) {
      if (start >= 0) {
        let end = i;
        while (end > start && d[end - 1] === 0) end--; // zero_byte of a 4-byte start code, trailing zeros
        out.push([start, end]);
      }
      start = i + 3;
      i += 2;
    }
  }
  if (start >= 0 && start < d.length) out.push([start, d.length]);
  return out;
}

/** A NAL unit's payload without its emulation prevention bytes (00 00 03 -> 00 00). */
function unescape(d: Uint8Array, start: number, end: number, max: number): Uint8Array {
  const out = new Uint8Array(Math.min(end - start, max));
  let n = 0, zeros = 0;
  for (let i = start; i < end && n < out.length; i++) {
    const v = d[i]!;
    if (zeros >= 2 && v === 3) { zeros = 0; continue; }
    zeros = v === 0 ? zeros + 1 : 0;
    out[n++] = v;
  }
  return out.subarray(0, n);
}

/** H.264 Annex B access unit: IDR (type 5) makes it a key frame; an SPS (7) names the profile and level. */
export function h264Facts(d: Uint8Array): FrameFacts {
  const units = annexBUnits(d);
  if (units.length === 0) throw corrupt('H.264: no start code (not an Annex B byte stream)');
  let key = false, codec: string | undefined, pictures = 0;
  for (const [s, e] of units) {
    if (e <= s) continue;
    const type = d[s]! & 0x1f;
    if (type === 5) key = true;
    if (type >= 1 && type <= 5) pictures++;
    if (type === 7 && codec === undefined) {
      const sps = unescape(d, s + 1, e, 3);
      if (sps.length < 3) throw corrupt('H.264: a truncated SPS');
      codec = `avc1.${hex2(sps[0]!)}${hex2(sps[1]!)}${hex2(sps[2]!)}`;
    }
  }
  return { key, shown: pictures > 0, codec: key ? codec : undefined };
}

/** Reverses the bits of a 32-bit word. */
function reverse32(v: number): number {
  let r = 0;
  for (let i = 0; i < 32; i++) { r = (r << 1) | (v & 1); v >>>= 1; }
  return r >>> 0;
}

/**
 * The ISO/IEC 14496-15 (E.3) codec string of an H.265 SPS: hev1.[A|B|C]profile.compat.Ttier+level.constraints.
 * `sps` is the RBSP after the 2-byte NAL header.
 */
function h265CodecString(sps: Uint8Array): string {
  const b = new Bits(sps);
  b.skip(4 + 3 + 1); // sps_video_parameter_set_id, sps_max_sub_layers_minus1, temporal_id_nesting
  const space = b.bits(2), tier = b.bit(), profile = b.bits(5);
  const compat = b.bits(32);
  const constraint: number[] = [];
  for (let i = 0; i < 6; i++) constraint.push(b.bits(8));
  const level = b.bits(8);
  while (constraint.length > 0 && constraint[constraint.length - 1] === 0) constraint.pop();
  return ['hev1', `${space ? String.fromCharCode(64 + space) : ''}${profile}`, reverse32(compat).toString(16).toUpperCase(),
    `${tier ? 'H' : 'L'}${level}`, ...constraint.map((c) => c.toString(16).toUpperCase())].join('.');
}

/** H.265 Annex B access unit: an IRAP picture (types 16..21) is a key frame; an SPS (33) names the codec string. */
export function h265Facts(d: Uint8Array): FrameFacts {
  const units = annexBUnits(d);
  if (units.length === 0) throw corrupt('H.265: no start code (not an Annex B byte stream)');
  let key = false, codec: string | undefined, pictures = 0;
  for (const [s, e] of units) {
    if (e - s < 2) continue;
    const type = (d[s]! >> 1) & 0x3f;
    if (type >= 16 && type <= 21) key = true;
    if (type <= 21 && !(type >= 10 && type <= 15)) pictures++;
    if (type === 33 && codec === undefined) codec = h265CodecString(unescape(d, s + 2, e, 16));
  }
  return { key, shown: pictures > 0, codec: key ? codec : undefined };
}

/** The facts of one frame of `codec` (VideoCodecType). */
export function frameFacts(codec: number, d: Uint8Array): FrameFacts {
  switch (codec) {
    case VideoCodecType.VP8: return vp8Facts(d);
    case VideoCodecType.VP9: return vp9Facts(d);
    case VideoCodecType.H264: return h264Facts(d);
    case VideoCodecType.H265: return h265Facts(d);
    default: throw new SpiceError(ErrorCode.UNSUPPORTED, `video codec ${codec} has no bitstream reader`);
  }
}
