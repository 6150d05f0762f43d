/**
 * What the display channel asks of a video stream decoder, per stream codec (MJPEG, VP8,
 * H.264, VP9, H.265: VideoCodecType), and the MJPEG factory spice-ts has everywhere.
 *
 * Transport- and platform-neutral: the browser viewer supplies a factory over WebCodecs
 * (src/viewer/video-decoder.ts); Node has the pure TypeScript MJPEG decoder only.
 * A decoder may answer later (a promise): the display channel handles nothing else until
 * the frame is drawn, so draw order is kept exactly as for asynchronously decoded images.
 */
import { VideoCodecType, enumName } from '../../protocol/enums/index.js';
import { ErrorCode, SpiceError } from '../../protocol/errors.js';
import type { DecodedImage } from '../../codecs/types.js';
import { createPureJpegDecoder, MJPEG_FRAME_OPTIONS, type JpegDecoder } from '../../codecs/jpeg.js';

/** What a frame carries besides its bytes. */
export interface StreamFrameInfo {
  /** Size of the picture in this frame: the stream's source size, or a sized frame's own. */
  width: number;
  height: number;
  /** The server's multimedia time stamp of the frame (ms). */
  mmTime: number;
}

/** A stream as the server created it (STREAM_CREATE). */
export interface StreamSpec {
  id: number;
  /** VideoCodecType value. */
  codec: number;
  /** Source picture size of the stream's frames. */
  width: number;
  height: number;
}

export interface StreamDecoder {
  /**
   * Decodes one frame, in stream order. Returns the picture (0xAARRGGBB, top-down as the
   * codec stores it; valid until the next call), or undefined when this frame shows
   * nothing (a hidden frame). Throws or rejects with a SpiceError when the data does not
   * decode; the display channel then ends this stream only.
   */
  decode(data: Uint8Array, info: StreamFrameInfo): DecodedImage | undefined | Promise<DecodedImage | undefined>;
  /** The stream ended (or the channel closed): release what the decoder holds; a pending decode settles. */
  close?(): void;
}

export interface StreamDecoderFactory {
  /**
   * The codecs (VideoCodecType values) this factory decodes, best first. May take time
   * (a browser probing its decoders): the session waits for it before the display channel
   * links, since the link announces the codecs.
   */
  codecs(): readonly number[] | Promise<readonly number[]>;
  /** A decoder for a new stream of `spec.codec` (one the factory listed). */
  create(spec: StreamSpec): StreamDecoder;
}

/** The short lower-case name of a VideoCodecType value: 'mjpeg', 'vp8', 'h264', 'vp9', 'h265'. */
export function videoCodecName(codec: number): string {
  return enumName(VideoCodecType, codec).toLowerCase();
}

/** VideoCodecType value of a name as videoCodecName gives it (case-insensitive), or undefined. */
export function videoCodecByName(name: string): number | undefined {
  const v = (VideoCodecType as Record<string, number>)[name.toUpperCase()];
  return typeof v === 'number' ? v : undefined;
}

/**
 * MJPEG streams through a JpegDecoder, one per stream (it keeps tables from frame to frame).
 * Default: spice-ts's own, with spice-gtk's MJPEG settings (fast IDCT, no fancy
 * upsampling), so frames are pixel-identical to spice-gtk's.
 */
export function mjpegStreamDecoders(make: () => JpegDecoder = () => createPureJpegDecoder(MJPEG_FRAME_OPTIONS)): StreamDecoderFactory {
  return {
    codecs: () => [VideoCodecType.MJPEG],
    create: () => {
      const jpeg = make();
      return { decode: (data) => jpeg.decode(data) };
    },
  };
}

/**
 * One factory from several: each codec is decoded by the first factory that lists it;
 * the order of codecs is the factories' order, then each factory's own.
 */
export function combineStreamDecoders(...factories: StreamDecoderFactory[]): StreamDecoderFactory {
  let owners: Map<number, StreamDecoderFactory> | undefined;
  const resolve = async () => {
    if (owners) return owners;
    const lists = await Promise.all(factories.map(async (f) => {
      try {
        return { f, codecs: await f.codecs() };
      } catch {
        return { f, codecs: [] as readonly number[] };
      }
    }));
    const m = new Map<number, StreamDecoderFactory>();
    for (const { f, codecs } of lists) for (const c of codecs) if (!m.has(c)) m.set(c, f);
    owners = m;
    return m;
  };
  return {
    codecs: async () => [...(await resolve()).keys()],
    create: (spec) => {
      const f = owners?.get(spec.codec);
      if (!f) throw new SpiceError(ErrorCode.UNSUPPORTED, `no stream decoder for ${videoCodecName(spec.codec)}`);
      return f.create(spec);
    },
  };
}
