/**
 * Every enum and flag set of SPICE protocol 2, with the values of
 * spice-protocol's enums.h (BSD) and protocol.h. Flag sets hold bit values.
 */
import { enumOf, flagsOf } from './define.js';

export { enumOf, flagsOf, enumName, flagNames, capsToWords, wordsToCaps } from './define.js';
export type { EnumDef } from './define.js';

export const ChannelType = enumOf('channel_type', {
  MAIN: 1, DISPLAY: 2, INPUTS: 3, CURSOR: 4, PLAYBACK: 5, RECORD: 6,
  TUNNEL: 7, SMARTCARD: 8, USBREDIR: 9, PORT: 10, WEBDAV: 11,
});

export const LinkErr = enumOf('link_err', {
  OK: 0, ERROR: 1, INVALID_MAGIC: 2, INVALID_DATA: 3, VERSION_MISMATCH: 4,
  NEED_SECURED: 5, NEED_UNSECURED: 6, PERMISSION_DENIED: 7,
  BAD_CONNECTION_ID: 8, CHANNEL_NOT_AVAILABLE: 9,
});

export const WarnCode = enumOf('warn_code', { WARN_GENERAL: 0 });
export const InfoCode = enumOf('info_code', { INFO_GENERAL: 0 });

export const MigrateFlags = flagsOf('migrate_flags', { NEED_FLUSH: 1, NEED_DATA_TRANSFER: 2 });

export const CompositeFlags = flagsOf('composite_flags', {
  OP0: 1 << 0, OP1: 1 << 1, OP2: 1 << 2, OP3: 1 << 3, OP4: 1 << 4, OP5: 1 << 5, OP6: 1 << 6, OP7: 1 << 7,
  SRC_FILTER0: 1 << 8, SRC_FILTER1: 1 << 9, SRC_FILTER2: 1 << 10,
  MASK_FILTER0: 1 << 11, MASK_FILTER1: 1 << 12, MASK_FILTER2: 1 << 13,
  SRC_REPEAT0: 1 << 14, SRC_REPEAT1: 1 << 15, MASK_REPEAT0: 1 << 16, MASK_REPEAT1: 1 << 17,
  COMPONENT_ALPHA: 1 << 18, HAS_MASK: 1 << 19, HAS_SRC_TRANSFORM: 1 << 20, HAS_MASK_TRANSFORM: 1 << 21,
  SOURCE_OPAQUE: 1 << 22, MASK_OPAQUE: 1 << 23, DEST_OPAQUE: 1 << 24,
});

export const NotifySeverity = enumOf('notify_severity', { INFO: 0, WARN: 1, ERROR: 2 });
export const NotifyVisibility = enumOf('notify_visibility', { LOW: 0, MEDIUM: 1, HIGH: 2 });

export const MouseMode = flagsOf('mouse_mode', { SERVER: 1, CLIENT: 2 });

export const DataCompressionType = enumOf('data_compression_type', { NONE: 0, LZ4: 1 });

export const ClipType = enumOf('clip_type', { NONE: 0, RECTS: 1 });
export const PathFlags = flagsOf('path_flags', { BEGIN: 1 << 0, END: 1 << 1, CLOSE: 1 << 3, BEZIER: 1 << 4 });
export const VideoCodecType = enumOf('video_codec_type', { MJPEG: 1, VP8: 2, H264: 3, VP9: 4, H265: 5 });
export const StreamFlags = flagsOf('stream_flags', { TOP_DOWN: 1 });
export const BrushType = enumOf('brush_type', { NONE: 0, SOLID: 1, PATTERN: 2 });
export const MaskFlags = flagsOf('mask_flags', { INVERS: 1 });

export const ImageType = enumOf('image_type', {
  BITMAP: 0, QUIC: 1, RESERVED: 2, LZ_PLT: 100, LZ_RGB: 101, GLZ_RGB: 102, FROM_CACHE: 103,
  SURFACE: 104, JPEG: 105, FROM_CACHE_LOSSLESS: 106, ZLIB_GLZ_RGB: 107, JPEG_ALPHA: 108, LZ4: 109,
});

export const ImageCompression = enumOf('image_compression', {
  INVALID: 0, OFF: 1, AUTO_GLZ: 2, AUTO_LZ: 3, QUIC: 4, GLZ: 5, LZ: 6, LZ4: 7,
});

export const ImageFlags = flagsOf('image_flags', { CACHE_ME: 1, HIGH_BITS_SET: 2, CACHE_REPLACE_ME: 4 });

export const BitmapFmt = enumOf('bitmap_fmt', {
  INVALID: 0, '1BIT_LE': 1, '1BIT_BE': 2, '4BIT_LE': 3, '4BIT_BE': 4, '8BIT': 5,
  '16BIT': 6, '24BIT': 7, '32BIT': 8, RGBA: 9, '8BIT_A': 10,
});

export const BitmapFlags = flagsOf('bitmap_flags', { PAL_CACHE_ME: 1, PAL_FROM_CACHE: 2, TOP_DOWN: 4 });
export const JpegAlphaFlags = flagsOf('jpeg_alpha_flags', { TOP_DOWN: 1 });
export const ImageScaleMode = enumOf('image_scale_mode', { INTERPOLATE: 0, NEAREST: 1 });

export const Ropd = flagsOf('ropd', {
  INVERS_SRC: 1 << 0, INVERS_BRUSH: 1 << 1, INVERS_DEST: 1 << 2, OP_PUT: 1 << 3, OP_OR: 1 << 4,
  OP_AND: 1 << 5, OP_XOR: 1 << 6, OP_BLACKNESS: 1 << 7, OP_WHITENESS: 1 << 8, OP_INVERS: 1 << 9,
  INVERS_RES: 1 << 10,
});

export const LineFlags = flagsOf('line_flags', { START_WITH_GAP: 1 << 2, STYLED: 1 << 3 });
export const StringFlags = flagsOf('string_flags', { RASTER_A1: 1, RASTER_A4: 2, RASTER_A8: 4, RASTER_TOP_DOWN: 8 });
export const SurfaceFlags = flagsOf('surface_flags', { PRIMARY: 1, STREAMING_MODE: 2 });
export const SurfaceFmt = enumOf('surface_fmt', {
  INVALID: 0, '1_A': 1, '8_A': 8, '16_555': 16, '32_xRGB': 32, '16_565': 80, '32_ARGB': 96,
});
export const AlphaFlags = flagsOf('alpha_flags', { DEST_HAS_ALPHA: 1, SRC_SURFACE_HAS_ALPHA: 2 });
export const ResourceType = enumOf('resource_type', { INVALID: 0, PIXMAP: 1 });
export const GlScanoutFlags = flagsOf('gl_scanout_flags', { Y0TOP: 1 });

export const KeyboardModifierFlags = flagsOf('keyboard_modifier_flags', { SCROLL_LOCK: 1, NUM_LOCK: 2, CAPS_LOCK: 4 });
export const MouseButton = enumOf('mouse_button', {
  INVALID: 0, LEFT: 1, MIDDLE: 2, RIGHT: 3, UP: 4, DOWN: 5, SIDE: 6, EXTRA: 7,
});
export const MouseButtonMask = flagsOf('mouse_button_mask', {
  LEFT: 1, MIDDLE: 2, RIGHT: 4, UP: 8, DOWN: 16, SIDE: 32, EXTRA: 64,
});

export const CursorType = enumOf('cursor_type', {
  ALPHA: 0, MONO: 1, COLOR4: 2, COLOR8: 3, COLOR16: 4, COLOR24: 5, COLOR32: 6,
});
export const CursorFlags = flagsOf('cursor_flags', { NONE: 1, CACHE_ME: 2, FROM_CACHE: 4 });

export const AudioDataMode = enumOf('audio_data_mode', { INVALID: 0, RAW: 1, CELT_0_5_1: 2, OPUS: 3 });
export const AudioFmt = enumOf('audio_fmt', { INVALID: 0, S16: 1 });

export const VscMessageType = enumOf('vsc_message_type', {
  Init: 1, Error: 2, ReaderAdd: 3, ReaderRemove: 4, ATR: 5, CardRemove: 6, APDU: 7, Flush: 8, FlushComplete: 9,
});

export const PortEvent = enumOf('port_event', { OPENED: 0, CLOSED: 1, BREAK: 2 });

// ----------------------------------------------------------- capabilities
// Capability numbers (bit n of the capability bit set), from protocol.h.

export const CommonCap = enumOf('common_cap', {
  PROTOCOL_AUTH_SELECTION: 0, AUTH_SPICE: 1, AUTH_SASL: 2, MINI_HEADER: 3,
});
export const MainCap = enumOf('main_cap', {
  SEMI_SEAMLESS_MIGRATE: 0, NAME_AND_UUID: 1, AGENT_CONNECTED_TOKENS: 2, SEAMLESS_MIGRATE: 3,
});
export const DisplayCap = enumOf('display_cap', {
  SIZED_STREAM: 0, MONITORS_CONFIG: 1, COMPOSITE: 2, A8_SURFACE: 3, STREAM_REPORT: 4,
  LZ4_COMPRESSION: 5, PREF_COMPRESSION: 6, GL_SCANOUT: 7, MULTI_CODEC: 8, CODEC_MJPEG: 9,
  CODEC_VP8: 10, CODEC_H264: 11, PREF_VIDEO_CODEC_TYPE: 12, CODEC_VP9: 13, CODEC_H265: 14,
});
export const InputsCap = enumOf('inputs_cap', { KEY_SCANCODE: 0 });
export const CursorCap = enumOf('cursor_cap', {});
export const PlaybackCap = enumOf('playback_cap', { CELT_0_5_1: 0, VOLUME: 1, LATENCY: 2, OPUS: 3 });
export const RecordCap = enumOf('record_cap', { CELT_0_5_1: 0, VOLUME: 1, OPUS: 2 });
export const SpicevmcCap = enumOf('spicevmc_cap', { DATA_COMPRESS_LZ4: 0 });
