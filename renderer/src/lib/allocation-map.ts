// The allocation map's layout and drawing, as pure functions: one cell per block while blocks fit the area,
// otherwise one cell per run of blocks (each cell shows its busiest state, shaded by how much of it is held).
// Readable from 5 blocks (big cells) to 1,000,000 (3-pixel cells of a few dozen blocks each).
import { BLOCK_STATE_CHARS } from '../../../shared/ipc-contract';
import type { BlockState } from '../../../shared/ipc-contract';

export const CELL_STATES = ['zero', 'parent', 'partial', 'allocated'] as const satisfies readonly BlockState[];
const RANK: Record<string, number> = {
  [BLOCK_STATE_CHARS.zero]: 0,
  [BLOCK_STATE_CHARS.parent]: 1,
  [BLOCK_STATE_CHARS.partial]: 2,
  [BLOCK_STATE_CHARS.allocated]: 3,
};

export interface MapLayout {
  readonly width: number;
  readonly height: number;
  readonly cellSize: number;
  readonly gap: number;
  readonly columns: number;
  readonly rows: number;
  readonly blockCount: number;
  readonly blocksPerCell: number;
  /** Per cell: index into CELL_STATES of the busiest block in it. */
  readonly states: Uint8Array;
  /** Per cell: the share of its blocks held in this file (allocated or partial), 0..1. */
  readonly held: Float32Array;
}

export interface LayoutOptions {
  readonly maxHeight?: number;
  readonly maxCellSize?: number;
  readonly minCellSize?: number;
}

/** Lays out `map` (one BLOCK_STATE_CHARS character per block) in an area `width` pixels wide. */
export function layoutAllocationMap(map: string, width: number, options: LayoutOptions = {}): MapLayout {
  const maxHeight = options.maxHeight ?? 240;
  const maxCell = options.maxCellSize ?? 24;
  const minCell = options.minCellSize ?? 3;
  const n = map.length;
  const w = Math.max(minCell, Math.floor(width));
  let cellSize = maxCell;
  while (cellSize > minCell && Math.ceil(n / Math.floor(w / cellSize)) * cellSize > maxHeight) cellSize--;
  const columns = Math.max(1, Math.floor(w / cellSize));
  const maxRows = Math.max(1, Math.floor(maxHeight / cellSize));
  const blocksPerCell = Math.max(1, Math.ceil(n / (columns * maxRows)));
  const cells = Math.ceil(n / blocksPerCell);
  const states = new Uint8Array(cells);
  const held = new Float32Array(cells);
  for (let c = 0; c < cells; c++) {
    const start = c * blocksPerCell;
    const end = Math.min(n, start + blocksPerCell);
    let best = 0;
    let count = 0;
    for (let i = start; i < end; i++) {
      const rank = RANK[map[i] as string] ?? 0;
      if (rank > best) best = rank;
      if (rank >= 2) count++;
    }
    states[c] = best;
    held[c] = count / (end - start);
  }
  const rows = Math.max(1, Math.ceil(cells / columns));
  return {
    width: columns * cellSize,
    height: rows * cellSize,
    cellSize,
    gap: cellSize >= 6 ? 1 : 0,
    columns,
    rows,
    blockCount: n,
    blocksPerCell,
    states,
    held,
  };
}

/** The canvas calls drawing uses (a CanvasRenderingContext2D, or a recorder in tests). */
export interface Painter {
  fillStyle: string | CanvasGradient | CanvasPattern;
  globalAlpha: number;
  clearRect(x: number, y: number, w: number, h: number): void;
  fillRect(x: number, y: number, w: number, h: number): void;
}

export type MapColors = Readonly<Record<(typeof CELL_STATES)[number], string>>;

/** Paints every cell; a cell of many blocks is shaded by the share of them held in the file. */
export function drawAllocationMap(painter: Painter, layout: MapLayout, colors: MapColors): void {
  const { cellSize, gap, columns } = layout;
  painter.clearRect(0, 0, layout.width, layout.height);
  for (let c = 0; c < layout.states.length; c++) {
    const state = CELL_STATES[layout.states[c] ?? 0] ?? 'zero';
    const share = layout.held[c] ?? 0;
    // A single held block among thousands must still show: a held cell is never fainter than 70%.
    painter.globalAlpha = layout.blocksPerCell > 1 && share > 0 ? 0.7 + 0.3 * share : 1;
    painter.fillStyle = colors[state];
    const x = (c % columns) * cellSize;
    const y = Math.floor(c / columns) * cellSize;
    painter.fillRect(x, y, cellSize - gap, cellSize - gap);
  }
  painter.globalAlpha = 1;
}

/** The blocks under a point of the canvas, or null outside the cells. */
export function blocksAt(layout: MapLayout, x: number, y: number): { first: number; last: number } | null {
  if (x < 0 || y < 0) return null;
  const col = Math.floor(x / layout.cellSize);
  const row = Math.floor(y / layout.cellSize);
  if (col >= layout.columns) return null;
  const cell = row * layout.columns + col;
  if (cell >= layout.states.length) return null;
  const first = cell * layout.blocksPerCell;
  return { first, last: Math.min(layout.blockCount, first + layout.blocksPerCell) - 1 };
}

/** Counts of each block state in a map. */
export function countStates(map: string): Record<(typeof CELL_STATES)[number], number> {
  const counts = { zero: 0, parent: 0, partial: 0, allocated: 0 };
  for (let i = 0; i < map.length; i++) {
    const ch = map[i];
    if (ch === BLOCK_STATE_CHARS.allocated) counts.allocated++;
    else if (ch === BLOCK_STATE_CHARS.partial) counts.partial++;
    else if (ch === BLOCK_STATE_CHARS.parent) counts.parent++;
    else counts.zero++;
  }
  return counts;
}
