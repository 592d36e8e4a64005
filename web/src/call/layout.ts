/**
 * Where the video tiles go: the column count that makes `count` tiles of one aspect ratio as
 * large as possible inside the stage, so 1–6 tiles always fit without scrolling. A layout with
 * more rows than columns must win by a fifth: people expect tiles side by side when the stage
 * is wide enough, and a tall column of two on a landscape screen looks like a mistake.
 */

export interface GridLayout {
  columns: number;
  rows: number;
  /** Tile size in CSS pixels (whole pixels, never negative). */
  tileWidth: number;
  tileHeight: number;
}

export const TILE_ASPECT = 16 / 9;
const TALL_PENALTY = 0.8;

export function bestGrid(count: number, width: number, height: number, gap = 8, aspect = TILE_ASPECT): GridLayout {
  const n = Math.max(1, Math.floor(count));
  let best: GridLayout = { columns: 1, rows: n, tileWidth: 0, tileHeight: 0 };
  let bestScore = 0;
  for (let columns = 1; columns <= n; columns++) {
    const rows = Math.ceil(n / columns);
    // A layout with an empty last row when fewer columns would do is never better.
    if (columns > 1 && Math.ceil(n / (columns - 1)) === rows) continue;
    const cellWidth = (width - gap * (columns - 1)) / columns;
    const cellHeight = (height - gap * (rows - 1)) / rows;
    if (cellWidth <= 0 || cellHeight <= 0) continue;
    const tileWidth = Math.min(cellWidth, cellHeight * aspect);
    const score = rows > columns ? tileWidth * TALL_PENALTY : tileWidth;
    if (score > bestScore) {
      bestScore = score;
      best = { columns, rows, tileWidth, tileHeight: tileWidth / aspect };
    }
  }
  return {
    ...best,
    tileWidth: Math.max(0, Math.floor(best.tileWidth)),
    tileHeight: Math.max(0, Math.floor(best.tileHeight)),
  };
}
