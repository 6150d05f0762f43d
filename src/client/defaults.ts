/**
 * What a client announces to servers by default: the values spice-gtk 0.42
 * sends (seen in the golden captures), so servers treat spice-ts like the
 * client they know.
 */

/** DISPLAY_INIT: the image cache and GLZ dictionary the client keeps. */
export const DISPLAY_INIT_DEFAULTS: {
  readonly pixmapCacheId: number;
  readonly pixmapCacheSize: number;
  readonly glzDictionaryId: number;
  readonly glzWindowSize: number;
} = {
  /** One pixmap cache per session, shared by all display channels. */
  pixmapCacheId: 1,
  /** Pixmap cache capacity, in pixels as the server counts them (20 Mi). */
  pixmapCacheSize: 20 * 1024 * 1024,
  /** One GLZ dictionary per session, shared by all display channels. */
  glzDictionaryId: 1,
  /** GLZ window in pixels: how far back GLZ references may reach. */
  glzWindowSize: 6_290_432,
};

/** The DISPLAY_INIT body from the defaults, with overrides. */
export function displayInitBody(o: Partial<typeof DISPLAY_INIT_DEFAULTS> = {}) {
  const v = { ...DISPLAY_INIT_DEFAULTS, ...o };
  return {
    pixmap_cache_id: v.pixmapCacheId,
    pixmap_cache_size: BigInt(v.pixmapCacheSize),
    glz_dictionary_id: v.glzDictionaryId,
    glz_dictionary_window_size: v.glzWindowSize,
  };
}
