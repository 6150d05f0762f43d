/**
 * Where the demo desktop's parts go for a given screen size: title bar, clock panel,
 * plasma panel (left column), text box (right column) and the help/clipboard bar.
 * Text is drawn at scale 2 on screens of 640x480 and more, at scale 1 below.
 */
import type { Box } from '../display/damage.js';
import { box } from './demo-draw.js';
import { CELL_H, CELL_W } from './demo-font.js';

/** The plasma never grows past this, so huge screens do not cost a huge photo every frame. */
const MAX_PLASMA_W = 800;
const MAX_PLASMA_H = 600;
const CLOCK_CHARS = 8;

export interface DemoLayout {
  width: number;
  height: number;
  /** Text scale of everything but the clock. */
  scale: number;
  title: Box;
  titleTextX: number;
  titleTextY: number;
  sizeTextX: number;
  clockPanel: Box;
  clockScale: number;
  clockX: number;
  clockY: number;
  dateX: number;
  dateY: number;
  plasmaPanel: Box;
  plasma: Box;
  textBox: Box;
  labelX: number;
  labelY: number;
  /** Top-left of the first text row, its cell size, and how many columns and rows are shown. */
  rowsX: number;
  rowsY: number;
  cellW: number;
  rowH: number;
  cols: number;
  visibleRows: number;
  bottom: Box;
  helpX: number;
  helpY: number;
  clipX: number;
  clipY: number;
  /** Characters that fit on a line of the bottom bar. */
  lineChars: number;
}

export function sizeText(width: number, height: number): string {
  return `${width}x${height}`;
}

export function layoutFor(width: number, height: number): DemoLayout {
  const s = width >= 640 && height >= 480 ? 2 : 1;
  const m = 6 * s;
  const textH = CELL_H * s;
  const rowH = 12 * s;
  const titleH = textH + 8 + 4 * s;
  const bottomH = 2 * rowH + 4 * s;
  const y0 = titleH + m, y1 = height - bottomH - m;
  const contentH = y1 - y0;
  const leftW = Math.floor((width - 3 * m) / 2);
  const rightX = 2 * m + leftW;
  const rightW = width - m - rightX;

  // The clock: as large as the column allows, at most 8x, and under half the content height.
  const dateGap = 2 * s;
  const byWidth = Math.floor((leftW - 4 * m) / (CLOCK_CHARS * CELL_W));
  const byHeight = Math.floor((contentH * 0.45 - textH - dateGap - 2 * m) / CELL_H);
  const cs = Math.max(2, Math.min(8, byWidth, byHeight));
  const clockPanel = box(m, y0, leftW, m + CELL_H * cs + dateGap + textH + m);
  const clockTextW = CLOCK_CHARS * CELL_W * cs - cs; // the last cell's blank column is not ink
  const clockX = m + Math.floor((leftW - clockTextW) / 2);
  const clockY = y0 + m;
  const dateChars = 14; // "Sat 2026-11-21"
  const dateX = m + Math.floor((leftW - (dateChars * CELL_W * s - s)) / 2);
  const dateY = clockY + CELL_H * cs + dateGap;

  const plasmaPanel = box(m, clockPanel.y1 + m, leftW, Math.max(2, y1 - clockPanel.y1 - m));
  const pw = Math.min(MAX_PLASMA_W, plasmaPanel.x1 - plasmaPanel.x0 - 2);
  const ph = Math.min(MAX_PLASMA_H, plasmaPanel.y1 - plasmaPanel.y0 - 2);
  const plasma = box(
    plasmaPanel.x0 + Math.floor((plasmaPanel.x1 - plasmaPanel.x0 - pw) / 2),
    plasmaPanel.y0 + Math.floor((plasmaPanel.y1 - plasmaPanel.y0 - ph) / 2),
    Math.max(0, pw), Math.max(0, ph));

  const textBox = box(rightX, y0, rightW, contentH);
  const pad = 3 * s;
  const cellW = CELL_W * s;
  const rowsY = y0 + pad + rowH + s;
  // One spare cell column: the caret after a full row.
  const cols = Math.max(1, Math.floor((rightW - 2 * pad) / cellW) - 1);
  const visibleRows = Math.max(1, Math.floor((y1 - pad - rowsY) / rowH));

  const bottom = box(0, height - bottomH, width, bottomH);
  const sz = sizeText(width, height);
  return {
    width, height, scale: s,
    title: box(0, 0, width, titleH),
    titleTextX: m,
    titleTextY: Math.floor((titleH - textH) / 2),
    sizeTextX: width - m - (sz.length * cellW - s),
    clockPanel, clockScale: cs, clockX, clockY, dateX, dateY,
    plasmaPanel, plasma,
    textBox,
    labelX: rightX + pad,
    labelY: y0 + pad,
    rowsX: rightX + pad,
    rowsY,
    cellW, rowH, cols, visibleRows,
    bottom,
    helpX: m,
    helpY: bottom.y0 + 2 * s,
    clipX: m,
    clipY: bottom.y0 + 2 * s + rowH,
    lineChars: Math.max(4, Math.floor((width - 2 * m) / cellW)),
  };
}
