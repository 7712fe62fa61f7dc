// One test per row: every kill point, then the counts (PLATTER_KILL_VERBOSE prints them) and every failure.
import { describe, expect, it } from 'vitest';
import { useTempDirs } from '../../helpers/temp-dir';
import { formatReport, killEverywhere } from './harness';
import type { KillRow } from './harness';
import { peersInstalled } from './readers';

export function killSuite(title: string, rows: readonly KillRow[]): void {
  const newTempDir = useTempDirs();
  describe.skipIf(!peersInstalled)(title, () => {
    it.each(rows.map((row) => [row.name, row] as const))(
      '%s',
      async (name, row) => {
        const report = await killEverywhere(row, newTempDir);
        if (process.env.PLATTER_KILL_VERBOSE) console.log(formatReport(name, report));
        expect(report.killedByWrites, `${name}: runs the write points killed`).toBeGreaterThanOrEqual(row.minKills);
        expect(report.completed, `${name}: runs that got through uncut`).toBeGreaterThanOrEqual(1);
        expect(report.failures).toEqual([]);
        // Forty runs of the command and three readers after each: minutes on a busy machine.
      },
      600_000,
    );
  });
}
