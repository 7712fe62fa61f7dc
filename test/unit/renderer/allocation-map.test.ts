// The allocation map's layout and drawing: readable from 5 blocks to 1,000,000, every block in exactly one cell.
import { describe, expect, it } from 'vitest';
import {
  CELL_STATES,
  blocksAt,
  countStates,
  drawAllocationMap,
  layoutAllocationMap,
} from '../../../renderer/src/lib/allocation-map';
import type { MapColors, Painter } from '../../../renderer/src/lib/allocation-map';

const colors: MapColors = { zero: 'z', parent: 'p', partial: 'h', allocated: 'a' };

function recorder() {
  const rects: { x: number; y: number; w: number; h: number; fill: string; alpha: number }[] = [];
  const painter: Painter & { rects: typeof rects } = {
    rects,
    fillStyle: '',
    globalAlpha: 1,
    clearRect() {},
    fillRect(x, y, w, h) {
      rects.push({ x, y, w, h, fill: String(this.fillStyle), alpha: this.globalAlpha });
    },
  };
  return painter;
}

describe('layoutAllocationMap', () => {
  it('5 blocks: one big cell per block, in order, with their states', () => {
    const l = layoutAllocationMap('A0pPA', 600);
    expect(l.blocksPerCell).toBe(1);
    expect(l.cellSize).toBe(24);
    expect(l.states.length).toBe(5);
    expect([...l.states].map((s) => CELL_STATES[s])).toEqual(['allocated', 'zero', 'parent', 'partial', 'allocated']);
    expect([...l.held]).toEqual([1, 0, 0, 1, 1]);
    expect(l.rows).toBe(1);
    expect(l.width).toBe(25 * 24);
    expect(l.height).toBe(24);
  });

  it('cells shrink before they merge blocks: 4,000 blocks still get one cell each', () => {
    const l = layoutAllocationMap('0'.repeat(4000), 600);
    expect(l.blocksPerCell).toBe(1);
    expect(l.cellSize).toBeLessThan(24);
    expect(l.height).toBeLessThanOrEqual(240);
    expect(l.states.length).toBe(4000);
  });

  it('1,000,000 blocks: fits the height, every block in exactly one cell, the busiest state wins', () => {
    const blocks = 1_000_000;
    const map = Array.from({ length: blocks }, (_, i) => (i === 123_456 ? 'A' : i >= 900_000 ? 'p' : '0')).join('');
    const l = layoutAllocationMap(map, 800);
    expect(l.cellSize).toBe(3);
    expect(l.height).toBeLessThanOrEqual(240);
    expect(l.blocksPerCell).toBeGreaterThan(1);
    expect(l.states.length * l.blocksPerCell).toBeGreaterThanOrEqual(blocks);
    expect((l.states.length - 1) * l.blocksPerCell).toBeLessThan(blocks);
    const cellOf = Math.floor(123_456 / l.blocksPerCell);
    expect(CELL_STATES[l.states[cellOf]!]).toBe('allocated');
    expect(l.held[cellOf]).toBeCloseTo(1 / l.blocksPerCell);
    expect(CELL_STATES[l.states[l.states.length - 1]!]).toBe('parent');
    expect(CELL_STATES[l.states[0]!]).toBe('zero');
  });

  it('an empty map is one empty row', () => {
    const l = layoutAllocationMap('', 300);
    expect(l.states.length).toBe(0);
    expect(l.rows).toBe(1);
  });
});

describe('drawAllocationMap', () => {
  it('paints one rect per cell in its state colour, with a gap between big cells', () => {
    const l = layoutAllocationMap('A0pP', 96);
    const p = recorder();
    drawAllocationMap(p, l, colors);
    expect(p.rects.map((r) => r.fill)).toEqual(['a', 'z', 'p', 'h']);
    expect(p.rects[0]).toMatchObject({ x: 0, y: 0, w: 23, h: 23, alpha: 1 });
    expect(p.rects[3]).toMatchObject({ x: 72, y: 0 });
    expect(p.globalAlpha).toBe(1);
  });

  it('a merged cell with one held block still shows at 70% or more', () => {
    const map = '0'.repeat(100_000) + 'A' + '0'.repeat(100_000);
    const l = layoutAllocationMap(map, 400);
    expect(l.blocksPerCell).toBeGreaterThan(1);
    const p = recorder();
    drawAllocationMap(p, l, colors);
    const held = p.rects.filter((r) => r.fill === 'a');
    expect(held).toHaveLength(1);
    expect(held[0]!.alpha).toBeGreaterThanOrEqual(0.7);
    expect(held[0]!.alpha).toBeLessThan(1);
  });

  it('shades a merged cell by the share of its blocks held in the file', () => {
    const map = 'A'.repeat(500_000) + '0'.repeat(500_000);
    const l = layoutAllocationMap(map, 400);
    const p = recorder();
    drawAllocationMap(p, l, colors);
    expect(p.rects).toHaveLength(l.states.length);
    expect(p.rects[0]).toMatchObject({ fill: 'a', alpha: 1, w: 3 });
    expect(p.rects[p.rects.length - 1]).toMatchObject({ fill: 'z', alpha: 1 });
  });
});

describe('blocksAt and countStates', () => {
  it('names the blocks under a point, and nothing outside the cells', () => {
    const l = layoutAllocationMap('A0pPA', 48);
    expect(l.columns).toBe(2);
    expect(blocksAt(l, 30, 5)).toEqual({ first: 1, last: 1 });
    expect(blocksAt(l, 5, 50)).toEqual({ first: 4, last: 4 });
    expect(blocksAt(l, 30, 50)).toBeNull();
    expect(blocksAt(l, -1, 0)).toBeNull();
  });

  it('counts each state', () => {
    expect(countStates('AA0pP0')).toEqual({ allocated: 2, zero: 2, parent: 1, partial: 1 });
  });
});
