import { UsageError } from './usage-error';

const UNITS: Record<string, number> = { '': 1, B: 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/** Parses "512", "64K", "1.5G", "2T" (powers of 1024; an optional trailing "iB" or "B" is accepted). */
export function parseSize(text: string, what = 'size'): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(?:([KMGT])(?:I?B)?|B)?\s*$/i.exec(text);
  if (!match)
    throw new UsageError(`${what} "${text}" is not a size - use bytes or a number with K, M, G or T, e.g. 64M or 20G`);
  const bytes = Number(match[1]) * UNITS[(match[2] ?? '').toUpperCase()]!;
  if (bytes > Number.MAX_SAFE_INTEGER)
    throw new UsageError(`${what} "${text}" is far too large - give a size in bytes up to a few TiB`);
  if (!Number.isInteger(bytes))
    throw new UsageError(`${what} "${text}" is not a whole number of bytes - use a smaller unit`);
  return bytes;
}

/** "10 MiB", "1.5 GiB", "512 bytes". */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 'bytes';
  for (const u of units) {
    if (value < 1024) break;
    value /= 1024;
    unit = u;
  }
  const text = value >= 100 || Number.isInteger(value) ? value.toFixed(0) : value.toFixed(value >= 10 ? 1 : 2);
  return `${text.replace(/\.0+$/, '')} ${unit}`;
}

/** "10 MiB (10485760 bytes)", or just "512 bytes". */
export function formatSizeExact(bytes: number): string {
  return bytes < 1024 ? `${bytes} bytes` : `${formatSize(bytes)} (${bytes} bytes)`;
}

/** A VHDX sector size option: 512 or 4096, or undefined when not given. */
export function parseSectorSize(value: unknown, option: string): 512 | 4096 | undefined {
  if (value === undefined) return undefined;
  if (value === '512' || value === '4096') return Number(value) as 512 | 4096;
  throw new UsageError(`${option} "${String(value)}" is not a sector size - use ${option} 512 or ${option} 4096`);
}
