/**
 * Structures shared by several messages. Each entry carries its wire layout
 * in the comment above it: `name:type` in order, sizes in bytes, `*` for a
 * u32 pointer (offset from the message body start), `[n]` for arrays.
 */
import {
  BrushType, ClipType, CursorFlags, ImageType, LineFlags, StringFlags, BitmapFlags,
  BitmapFmt, ImageFlags, MaskFlags, ResourceType, CursorType, PathFlags, JpegAlphaFlags,
} from '../enums/index.js';
import {
  struct, sw, is, has, lacks, ptr, array, bytes, u8, u16, u32, u64, i16, i32, e8, e16, REST,
  type Infer,
} from '../wire/types.js';

// x:i32 y:i32 (8)
export const Point = struct('Point', { x: i32, y: i32 });
// x:i16 y:i16 (4)
export const Point16 = struct('Point16', { x: i16, y: i16 });
// x:i32 y:i32, both fixed 28.4 (8)
export const PointFix = struct('PointFix', { x: i32, y: i32 });
// top:i32 left:i32 bottom:i32 right:i32 (16) — not x/y/w/h
export const Rect = struct('Rect', { top: i32, left: i32, bottom: i32, right: i32 });
// t00 t01 t02 t10 t11 t12: u32 each (24)
export const Transform = struct('Transform', { t00: u32, t01: u32, t02: u32, t10: u32, t11: u32, t12: u32 });

// channel_type:u8 channel_id:u8 message_serial:u64 (10)
export const ChannelWait = struct('ChannelWait', { channel_type: u8, channel_id: u8, message_serial: u64 });

// type:u8 id:u8 (2)
export const ChannelId = struct('ChannelId', { type: u8, id: u8 });

// port:u16 sport:u16 host_size:u32 host_data*:u8[host_size] cert_subject_size:u32 cert_subject_data*:u8[cert_subject_size]
// (both strings NUL-terminated, the NUL counted in the size)
export const DstInfo = struct('DstInfo', {
  port: u16,
  sport: u16,
  host_size: u32,
  host_data: ptr(bytes('host_size'), { nonNull: true }),
  cert_subject_size: u32,
  cert_subject_data: ptr(bytes('cert_subject_size')),
});

// ---------------------------------------------------------------- display

// num_rects:u32 rects:Rect[num_rects]
export const ClipRects = struct('ClipRects', { num_rects: u32, rects: array(Rect, 'num_rects') });

// type:u8 (clip_type) then, if RECTS, ClipRects inline
export const Clip = struct('Clip', {
  type: e8(ClipType),
  u: sw('type', { rects: [is(ClipType.RECTS), ClipRects] }),
});

// surface_id:u32 box:Rect clip:Clip (21 with clip NONE)
export const DisplayBase = struct('DisplayBase', { surface_id: u32, box: Rect, clip: Clip });

// type:u8 (resource_type) id:u64 (9)
export const ResourceId = struct('ResourceId', { type: e8(ResourceType), id: u64 });

// unique:u64 num_ents:u16 ents:u32[num_ents] (0x00RRGGBB)
export const Palette = struct('Palette', { unique: u64, num_ents: u16, ents: array(u32, 'num_ents') });

// format:u8 flags:u8 x:u32 y:u32 stride:u32
// then palette_id:u64 if flags has PAL_FROM_CACHE, else palette*:Palette (may be NULL)
// then data: stride*y bytes
export const BitmapData = struct('BitmapData', {
  format: e8(BitmapFmt),
  flags: e8(BitmapFlags),
  x: u32,
  y: u32,
  stride: u32,
  pal: sw('flags', {
    palette_id: [has(BitmapFlags.PAL_FROM_CACHE), u64],
    palette: [lacks(BitmapFlags.PAL_FROM_CACHE), ptr(Palette)],
  }),
  data: bytes({ imageSize: [8, 'stride', 'y'] }),
});

// data_size:u32 data:u8[data_size] (QUIC, LZ_RGB, GLZ_RGB, JPEG, LZ4 payloads)
export const BinaryData = struct('BinaryData', { data_size: u32, data: bytes('data_size') });

// flags:u8 data_size:u32, then palette_id:u64 if PAL_FROM_CACHE else palette*:Palette (non-NULL), data:u8[data_size]
export const LzPltData = struct('LzPltData', {
  flags: e8(BitmapFlags),
  data_size: u32,
  pal: sw('flags', {
    palette_id: [has(BitmapFlags.PAL_FROM_CACHE), u64],
    palette: [lacks(BitmapFlags.PAL_FROM_CACHE), ptr(Palette, { nonNull: true })],
  }),
  data: bytes('data_size'),
});

// glz_data_size:u32 data_size:u32 data:u8[data_size]
export const ZlibGlzRgbData = struct('ZlibGlzRgbData', { glz_data_size: u32, data_size: u32, data: bytes('data_size') });

// flags:u8 jpeg_size:u32 data_size:u32 data:u8[data_size] (JPEG then an LZ alpha stream)
export const JpegAlphaData = struct('JpegAlphaData', {
  flags: e8(JpegAlphaFlags), jpeg_size: u32, data_size: u32, data: bytes('data_size'),
});

// id:u64 type:u8 flags:u8 width:u32 height:u32 (18)
export const ImageDescriptor = struct('ImageDescriptor', {
  id: u64, type: e8(ImageType), flags: e8(ImageFlags), width: u32, height: u32,
});

// descriptor:ImageDescriptor then one of (by descriptor.type):
// BITMAP BitmapData | QUIC/LZ_RGB/GLZ_RGB/JPEG/LZ4 BinaryData | LZ_PLT LzPltData |
// ZLIB_GLZ_RGB ZlibGlzRgbData | JPEG_ALPHA JpegAlphaData | SURFACE surface_id:u32 |
// FROM_CACHE, FROM_CACHE_LOSSLESS: nothing
export const Image = struct('Image', {
  descriptor: ImageDescriptor,
  u: sw('descriptor.type', {
    bitmap: [is(ImageType.BITMAP), BitmapData],
    quic: [is(ImageType.QUIC), BinaryData],
    lz_rgb: [is(ImageType.LZ_RGB, ImageType.GLZ_RGB), BinaryData],
    jpeg: [is(ImageType.JPEG), BinaryData],
    lz4: [is(ImageType.LZ4), BinaryData],
    lz_plt: [is(ImageType.LZ_PLT), LzPltData],
    zlib_glz: [is(ImageType.ZLIB_GLZ_RGB), ZlibGlzRgbData],
    jpeg_alpha: [is(ImageType.JPEG_ALPHA), JpegAlphaData],
    surface_id: [is(ImageType.SURFACE), u32],
  }),
});
export type Image = Infer<typeof Image>;

// pat*:Image (non-NULL) pos:Point
export const Pattern = struct('Pattern', { pat: ptr(Image, { nonNull: true }), pos: Point });

// type:u8 then color:u32 if SOLID, Pattern if PATTERN, nothing if NONE
export const Brush = struct('Brush', {
  type: e8(BrushType),
  u: sw('type', { color: [is(BrushType.SOLID), u32], pattern: [is(BrushType.PATTERN), Pattern] }),
});

// flags:u8 pos:Point bitmap*:Image (13)
export const QMask = struct('QMask', { flags: e8(MaskFlags), pos: Point, bitmap: ptr(Image) });

// flags:u8 count:u32 points:PointFix[count]
export const PathSegment = struct('PathSegment', { flags: e8(PathFlags), count: u32, points: array(PointFix, 'count') });
// num_segments:u32 segments:PathSegment[num_segments] (inline)
export const Path = struct('Path', { num_segments: u32, segments: array(PathSegment, 'num_segments') });

// flags:u8, then style_nseg:u8 and style*:fixed28.4[style_nseg] if STYLED
export const LineAttr = struct('LineAttr', {
  flags: e8(LineFlags),
  u1: sw('flags', { style_nseg: [has(LineFlags.STYLED), u8] }),
  u2: sw('flags', { style: [has(LineFlags.STYLED), ptr(array(i32, 'style_nseg'))] }),
});

// render_pos:Point glyph_origin:Point width:u16 height:u16 data:u8[ceil(bpp*width/8)*height]
const glyph = (bpp: number) => struct(`RasterGlyphA${bpp}`, {
  render_pos: Point, glyph_origin: Point, width: u16, height: u16,
  data: bytes({ imageSize: [bpp, 'width', 'height'] }),
});
export const RasterGlyphA1 = glyph(1);
export const RasterGlyphA4 = glyph(4);
export const RasterGlyphA8 = glyph(8);

// length:u16 flags:u8 then `length` glyphs inline, of the depth RASTER_A1/A4/A8 names
export const SpiceString = struct('String', {
  length: u16,
  flags: e8(StringFlags),
  u: sw('flags', {
    glyphs_a1: [has(StringFlags.RASTER_A1), array(RasterGlyphA1, 'length')],
    glyphs_a4: [has(StringFlags.RASTER_A4), array(RasterGlyphA4, 'length')],
    glyphs_a8: [has(StringFlags.RASTER_A8), array(RasterGlyphA8, 'length')],
  }),
});

// stream id:u32 multi_media_time:u32 (8)
export const StreamDataHeader = struct('StreamDataHeader', { id: u32, multi_media_time: u32 });

// monitor_id surface_id width height x y flags: u32 each (28)
export const Head = struct('Head', {
  monitor_id: u32, surface_id: u32, width: u32, height: u32, x: u32, y: u32, flags: u32,
});

// ---------------------------------------------------------------- cursor

// unique:u64 type:u8 width:u16 height:u16 hot_spot_x:u16 hot_spot_y:u16 (17)
export const CursorHeader = struct('CursorHeader', {
  unique: u64, type: e8(CursorType), width: u16, height: u16, hot_spot_x: u16, hot_spot_y: u16,
});

// flags:u16, then CursorHeader unless flags has NONE, then data to the end of the message
export const Cursor = struct('Cursor', {
  flags: e16(CursorFlags),
  u: sw('flags', { header: [lacks(CursorFlags.NONE), CursorHeader] }),
  data: bytes(REST),
});
