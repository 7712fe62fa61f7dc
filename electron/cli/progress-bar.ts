import type { Progress } from '../engine/ops/progress';
import type { CliIo } from './io';
import { formatSize } from './sizes';

function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  // Rounded up: work still to do never reads as 00:00.
  const s = Math.ceil(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${pad(m)}:${pad(s % 60)}`;
}

/** One line of progress: phase, bar, percent, speed and ETA. */
export function renderProgress(p: Progress, width = 30): string {
  const fraction = p.total > 0 ? Math.min(1, p.done / p.total) : 1;
  const filled = Math.round(fraction * width);
  const eta = p.bytesPerSecond > 0 ? (p.total - p.done) / p.bytesPerSecond : Infinity;
  const percent = (fraction * 100).toFixed(0).padStart(3);
  return `${p.phase} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${percent}% ${formatSize(p.bytesPerSecond)}/s ETA ${formatEta(eta)}`;
}

/** A progress callback that redraws one terminal line; silent when not interactive or when quiet. */
export function progressBar(io: CliIo, quiet: boolean) {
  let drawn = false;
  return {
    onProgress(p: Progress): void {
      if (quiet || !io.interactive) return;
      io.stderr(`\r\x1b[2K${renderProgress(p)}`);
      drawn = true;
    },
    /** Clears the line before the command prints its result. */
    end(): void {
      if (drawn) io.stderr('\r\x1b[2K');
      drawn = false;
    },
  };
}
