/** Rectangles as SPICE sends them: edges, right and bottom exclusive. */
export interface Rect {
  top: number;
  left: number;
  bottom: number;
  right: number;
}
