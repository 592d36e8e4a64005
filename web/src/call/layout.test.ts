import { describe, expect, it } from 'vitest';
import { bestGrid } from './layout';

describe('bestGrid', () => {
  it('puts one tile as large as the box allows, keeping 16:9', () => {
    expect(bestGrid(1, 1600, 900, 8)).toEqual({ columns: 1, rows: 1, tileWidth: 1600, tileHeight: 900 });
    expect(bestGrid(1, 800, 900, 8)).toMatchObject({ columns: 1, tileWidth: 800, tileHeight: 450 });
  });

  it('goes side by side on a wide box and stacked on a tall one', () => {
    expect(bestGrid(2, 1200, 500, 8)).toMatchObject({ columns: 2, rows: 1 });
    // Stacking would give slightly larger tiles here; side by side reads better.
    expect(bestGrid(2, 880, 606, 8)).toMatchObject({ columns: 2, rows: 1, tileWidth: 436 });
    expect(bestGrid(2, 380, 600, 8)).toMatchObject({ columns: 1, rows: 2 });
    expect(bestGrid(4, 1200, 700, 8)).toMatchObject({ columns: 2, rows: 2 });
    expect(bestGrid(6, 1200, 600, 8)).toMatchObject({ columns: 3, rows: 2 });
    expect(bestGrid(3, 380, 600, 8)).toMatchObject({ columns: 1, rows: 3 });
  });

  it('always fits every tile inside the box', () => {
    for (let count = 1; count <= 6; count++) {
      for (const [width, height] of [
        [1280, 700],
        [900, 560],
        [375, 500],
        [320, 240],
        [2000, 300],
      ] as const) {
        const g = bestGrid(count, width, height, 8);
        expect(g.columns * g.rows).toBeGreaterThanOrEqual(count);
        expect(g.columns * g.tileWidth + (g.columns - 1) * 8).toBeLessThanOrEqual(width);
        expect(g.rows * g.tileHeight + (g.rows - 1) * 8).toBeLessThanOrEqual(height);
        expect(g.tileWidth).toBeGreaterThan(0);
      }
    }
  });

  it('gives zero-size tiles for a box not measured yet', () => {
    expect(bestGrid(3, 0, 0)).toMatchObject({ tileWidth: 0, tileHeight: 0 });
  });
});
