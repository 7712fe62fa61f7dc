// Human units for sizes, speeds and durations (powers of 1024, like the CLI).
const UNITS = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '-';
  if (Math.abs(bytes) < 1024) return `${bytes} ${bytes === 1 ? 'byte' : 'bytes'}`;
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = Math.abs(value) >= 100 || Number.isInteger(value) ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}

/** Exact bytes with thousands separators, for hovers: "10,485,760 bytes". */
export function exactBytes(bytes: number): string {
  return `${bytes.toLocaleString('en-US')} bytes`;
}

/** A count with thousands separators: 1,044,480. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

export function formatSpeed(bytesPerSecond: number): string {
  return `${formatBytes(Math.round(bytesPerSecond))}/s`;
}

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** Time a finished job took: tenths of a second while short, so a quick job does not read "0 s". */
export function formatElapsed(seconds: number): string {
  if (seconds < 0.05) return '< 0.1 s';
  return seconds < 9.95 ? `${seconds.toFixed(1)} s` : formatDuration(seconds);
}

/** Time left: rounded up, so work still to do never reads as "0 s". */
export function formatTimeLeft(seconds: number): string {
  return formatDuration(seconds > 0 ? Math.ceil(seconds) : 0);
}

export function formatDate(value: string | number): string {
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? String(value) : d.toLocaleString('en-GB', { hour12: false });
}

export function baseName(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] ?? path;
}

export function dirName(path: string): string {
  const i = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return i <= 0 ? path.slice(0, i + 1) : path.slice(0, i);
}

/** `dir/name` with the separator the directory uses. */
export function joinPath(dir: string, name: string): string {
  const sep = dir.includes('\\') && !dir.includes('/') ? '\\' : '/';
  return dir.endsWith(sep) ? dir + name : dir + sep + name;
}

/** A file name's extension with its dot ("/a/disk.vhdx" -> ".vhdx"); '' when it has none. */
export function extensionOf(path: string): string {
  const name = baseName(path);
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot) : '';
}

/** Replaces a path's extension: "/a/disk.img" + ".vhd" -> "/a/disk.vhd". */
export function withExtension(path: string, ext: string): string {
  const name = baseName(path);
  const dot = name.lastIndexOf('.');
  const stem = dot > 0 ? name.slice(0, dot) : name;
  return joinPath(dirName(path), stem + ext);
}

const SIZE_UNITS: Record<string, number> = { '': 1, B: 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/** "20G", "64 MiB", "1.5 GiB", "1048576" -> bytes; null when not a size. */
export function parseSize(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?\s*$/i.exec(text);
  if (!m) return null;
  const factor = SIZE_UNITS[(m[2] ?? '').toUpperCase()];
  if (factor === undefined) return null;
  const bytes = Math.round(Number(m[1]) * factor);
  return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : null;
}

/** Two sizes in words that show they differ: human units when those differ, else the exact bytes of both. */
export function distinctSizes(a: number, b: number): [string, string] {
  const x = formatBytes(a);
  const y = formatBytes(b);
  return x !== y || a === b ? [x, y] : [exactBytes(a), exactBytes(b)];
}
