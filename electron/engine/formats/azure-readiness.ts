// Whether Azure takes the disk as it is: Azure uploads need a fixed VHD of a whole number of MiB, at most 32 TiB,
// whose file is its size plus the 512-byte footer (the azure preset writes exactly that).
import type { AzureReadiness } from '../../../shared/image';
import { AZURE_MAX_SIZE, MiB } from '../../../shared/units';
import type { Description, FormatDriver } from './driver';
import { vhdDriver } from './vhd/driver';

export function azureReadiness(driver: FormatDriver, d: Description): AzureReadiness {
  const checks = [
    { id: 'format', ok: driver === vhdDriver, actual: driver.format, expected: vhdDriver.format },
    { id: 'fixed', ok: d.diskType === 'fixed', actual: d.diskType, expected: 'fixed' },
    {
      id: 'whole-mib',
      ok: d.virtualSize % MiB === 0,
      actual: d.virtualSize,
      expected: Math.ceil(d.virtualSize / MiB) * MiB,
    },
    { id: 'max-size', ok: d.virtualSize <= AZURE_MAX_SIZE, actual: d.virtualSize, expected: AZURE_MAX_SIZE },
    { id: 'file-size', ok: d.fileSize === d.virtualSize + 512, actual: d.fileSize, expected: d.virtualSize + 512 },
  ] as const;
  return { ready: checks.every((c) => c.ok), checks };
}
