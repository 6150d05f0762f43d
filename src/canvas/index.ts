/**
 * The canvas: SPICE draw-operation semantics on surfaces (spice-common's
 * software canvas, as spice-gtk uses it). Browser-safe.
 */
export { DisplayCanvas } from './display-canvas.js';
export type { DisplayCanvasOptions, DisplayMessage, Clip } from './display-canvas.js';
export { ImageCache, PaletteCache } from './caches.js';
export type { ImageCacheOptions, PaletteCacheOptions } from './caches.js';
export { resolveImage, mustTouch } from './images.js';
export type { ImageDecoders, ImageContext, SpiceImage, MaybePromise } from './images.js';
export { Surface, SURFACE_FMT, surfaceImageFormat } from './types.js';
export type { CanvasImage, ImageFormat, Rect } from './types.js';
export { Region } from './region.js';
export { Rop, ropFromDescriptor, rop2, rop3 } from './rop.js';
export { bitmapToImage, bitmapToMask } from './bitmap.js';
export { composite, Repeat } from './composite.js';
export type { Pic, ImagePic, SolidPic, CompositeArgs } from './composite.js';
export { PixOp } from './combine8.js';
