/**
 * Display channel (type 2): surfaces, draw operations, caches, video streams.
 * Every draw message starts with DisplayBase (surface_id, box, clip).
 */
import {
  AlphaFlags, CompositeFlags, GlScanoutFlags, ImageCompression, ImageScaleMode, Ropd,
  StreamFlags, SurfaceFlags, SurfaceFmt, VideoCodecType,
} from '../enums/index.js';
import { struct, sw, has, array, bytes, ptr, fd, u8, u16, u32, u64, i32, i64, e8, e16, e32 } from '../wire/types.js';
import { Empty } from './define.js';
import { Data } from './base.js';
import {
  Brush, ChannelWait, Clip, DisplayBase, Head, Image, LineAttr, Path, Point, Point16, QMask, Rect,
  ResourceId, SpiceString, StreamDataHeader, Transform,
} from './structs.js';

// src_bitmap*:Image src_area:Rect rop_descriptor:u16 scale_mode:u8 mask:QMask (36)
const Copy = struct('Copy', {
  src_bitmap: ptr(Image), src_area: Rect, rop_descriptor: e16(Ropd), scale_mode: e8(ImageScaleMode), mask: QMask,
});

const draw = <T extends ReturnType<typeof struct>>(name: string, data: T) =>
  struct(name, { base: DisplayBase, data });

export const displayServer = {
  // x_res:u32 y_res:u32 bits:u32 (legacy)
  mode: [101, struct('DisplayMode', { x_res: u32, y_res: u32, bits: u32 })],
  // (empty) — the first complete frame has been sent
  mark: [102, Empty],
  // (empty) — drop the primary surface and caches
  reset: [103, Empty],
  // base:DisplayBase src_pos:Point
  copy_bits: [104, struct('CopyBits', { base: DisplayBase, src_pos: Point })],
  // count:u16 resources:ResourceId[count]
  inval_list: [105, struct('InvalList', { count: u16, resources: array(ResourceId, 'count') })],
  // wait_count:u8 wait_list:ChannelWait[wait_count]
  inval_all_pixmaps: [106, struct('InvalAllPixmaps', { wait_count: u8, wait_list: array(ChannelWait, 'wait_count') })],
  // id:u64
  inval_palette: [107, struct('InvalPalette', { id: u64 })],
  inval_all_palettes: [108, Empty],
  // surface_id:u32 id:u32 flags:u8 codec_type:u8 stamp:u64 stream_width:u32 stream_height:u32
  // src_width:u32 src_height:u32 dest:Rect clip:Clip
  stream_create: [122, struct('StreamCreate', {
    surface_id: u32, id: u32, flags: e8(StreamFlags), codec_type: e8(VideoCodecType), stamp: u64,
    stream_width: u32, stream_height: u32, src_width: u32, src_height: u32, dest: Rect, clip: Clip,
  })],
  // base:StreamDataHeader data_size:u32 data:u8[data_size]
  stream_data: [123, struct('StreamData', { base: StreamDataHeader, data_size: u32, data: bytes('data_size') })],
  // id:u32 clip:Clip
  stream_clip: [124, struct('StreamClip', { id: u32, clip: Clip })],
  // id:u32
  stream_destroy: [125, struct('StreamDestroy', { id: u32 })],
  stream_destroy_all: [126, Empty],
  // base brush:Brush rop_descriptor:u16 mask:QMask
  draw_fill: [302, draw('DrawFill', struct('Fill', { brush: Brush, rop_descriptor: e16(Ropd), mask: QMask }))],
  // base src_bitmap*:Image src_area:Rect brush:Brush rop_descriptor:u16 scale_mode:u8 mask:QMask
  draw_opaque: [303, draw('DrawOpaque', struct('Opaque', {
    src_bitmap: ptr(Image), src_area: Rect, brush: Brush, rop_descriptor: e16(Ropd),
    scale_mode: e8(ImageScaleMode), mask: QMask,
  }))],
  // base Copy (DRAW_COPY fixed part: 21 + 36 = 57 with clip NONE)
  draw_copy: [304, draw('DrawCopy', Copy)],
  // base Copy (same layout as DRAW_COPY)
  draw_blend: [305, draw('DrawBlend', Copy)],
  // base mask:QMask
  draw_blackness: [306, draw('DrawBlackness', struct('Blackness', { mask: QMask }))],
  draw_whiteness: [307, draw('DrawWhiteness', struct('Whiteness', { mask: QMask }))],
  draw_invers: [308, draw('DrawInvers', struct('Invers', { mask: QMask }))],
  // base src_bitmap*:Image src_area:Rect brush:Brush rop3:u8 scale_mode:u8 mask:QMask
  draw_rop3: [309, draw('DrawRop3', struct('Rop3', {
    src_bitmap: ptr(Image), src_area: Rect, brush: Brush, rop3: u8, scale_mode: e8(ImageScaleMode), mask: QMask,
  }))],
  // base path*:Path (non-NULL) attr:LineAttr brush:Brush fore_mode:u16 back_mode:u16
  draw_stroke: [310, draw('DrawStroke', struct('Stroke', {
    path: ptr(Path, { nonNull: true }), attr: LineAttr, brush: Brush, fore_mode: e16(Ropd), back_mode: e16(Ropd),
  }))],
  // base str*:String (non-NULL) back_area:Rect fore_brush:Brush back_brush:Brush fore_mode:u16 back_mode:u16
  draw_text: [311, draw('DrawText', struct('Text', {
    str: ptr(SpiceString, { nonNull: true }), back_area: Rect, fore_brush: Brush, back_brush: Brush,
    fore_mode: e16(Ropd), back_mode: e16(Ropd),
  }))],
  // base src_bitmap*:Image src_area:Rect src_color:u32 true_color:u32
  draw_transparent: [312, draw('DrawTransparent', struct('Transparent', {
    src_bitmap: ptr(Image), src_area: Rect, src_color: u32, true_color: u32,
  }))],
  // base alpha_flags:u8 alpha:u8 src_bitmap*:Image src_area:Rect
  draw_alpha_blend: [313, draw('DrawAlphaBlend', struct('AlphaBlend', {
    alpha_flags: e8(AlphaFlags), alpha: u8, src_bitmap: ptr(Image), src_area: Rect,
  }))],
  // surface_id:u32 width:u32 height:u32 format:u32 (surface_fmt) flags:u32 (surface_flags) (20)
  surface_create: [314, struct('SurfaceCreate', {
    surface_id: u32, width: u32, height: u32, format: e32(SurfaceFmt), flags: e32(SurfaceFlags),
  })],
  // surface_id:u32
  surface_destroy: [315, struct('SurfaceDestroy', { surface_id: u32 })],
  // base:StreamDataHeader width:u32 height:u32 dest:Rect data_size:u32 data:u8[data_size]
  stream_data_sized: [316, struct('StreamDataSized', {
    base: StreamDataHeader, width: u32, height: u32, dest: Rect, data_size: u32, data: bytes('data_size'),
  })],
  // count:u16 max_allowed:u16 heads:Head[count]
  monitors_config: [317, struct('MonitorsConfig', { count: u16, max_allowed: u16, heads: array(Head, 'count') })],
  // base flags:u32 src_bitmap*:Image [mask_bitmap*:Image if HAS_MASK]
  // [src_transform:Transform if HAS_SRC_TRANSFORM] [mask_transform:Transform if HAS_MASK_TRANSFORM]
  // src_origin:Point16 mask_origin:Point16
  draw_composite: [318, draw('DrawComposite', struct('Composite', {
    flags: e32(CompositeFlags),
    src_bitmap: ptr(Image),
    a: sw('flags', { mask_bitmap: [has(CompositeFlags.HAS_MASK), ptr(Image)] }),
    b: sw('flags', { src_transform: [has(CompositeFlags.HAS_SRC_TRANSFORM), Transform] }),
    c: sw('flags', { mask_transform: [has(CompositeFlags.HAS_MASK_TRANSFORM), Transform] }),
    src_origin: Point16,
    mask_origin: Point16,
  }))],
  // stream_id:u32 unique_id:u32 max_window_size:u32 timeout_ms:u32
  stream_activate_report: [319, struct('StreamActivateReport', {
    stream_id: u32, unique_id: u32, max_window_size: u32, timeout_ms: u32,
  })],
  // (dma-buf fd passed beside the message) width:u32 height:u32 stride:u32 drm_fourcc_format:u32 flags:u32
  gl_scanout_unix: [320, struct('GlScanoutUnix', {
    drm_dma_buf_fd: fd, width: u32, height: u32, stride: u32, drm_fourcc_format: u32, flags: e32(GlScanoutFlags),
  })],
  // x:u32 y:u32 w:u32 h:u32
  gl_draw: [321, struct('GlDraw', { x: u32, y: u32, w: u32, h: u32 })],
  quality_indicator: [322, Data],
} as const;

export const displayClient = {
  // pixmap_cache_id:u8 pixmap_cache_size:i64 (pixels) glz_dictionary_id:u8 glz_dictionary_window_size:i32 (pixels) (14)
  init: [101, struct('DisplayInit', {
    pixmap_cache_id: u8, pixmap_cache_size: i64, glz_dictionary_id: u8, glz_dictionary_window_size: i32,
  })],
  // stream_id unique_id start_frame_mm_time end_frame_mm_time num_frames num_drops: u32,
  // last_frame_delay:i32 audio_delay:u32 (32)
  stream_report: [102, struct('StreamReport', {
    stream_id: u32, unique_id: u32, start_frame_mm_time: u32, end_frame_mm_time: u32,
    num_frames: u32, num_drops: u32, last_frame_delay: i32, audio_delay: u32,
  })],
  // image_compression:u8
  preferred_compression: [103, struct('PreferredCompression', { image_compression: e8(ImageCompression) })],
  gl_draw_done: [104, Empty],
  // num_of_codecs:u8 codecs:u8[num_of_codecs] (video_codec_type)
  preferred_video_codec_type: [105, struct('PreferredVideoCodecType', {
    num_of_codecs: u8, codecs: array(e8(VideoCodecType), 'num_of_codecs'),
  })],
} as const;

