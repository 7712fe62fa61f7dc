// The format-only options the wizards offer (OUTPUT_OPTIONS in shared/) are exactly what each output driver takes:
// a format lists subformats, adapters or compression only when its driver reads that option, with the driver's
// own names and default first, and a request naming one is accepted by the driver's layout.
import { describe, expect, it } from 'vitest';
import { FORMAT_DRIVERS, settleLayout } from '../../../electron/engine/formats/table';
import { DEFAULT_SUBFORMAT, SUBFORMATS } from '../../../electron/engine/formats/vmdk/output';
import { ADAPTERS, DEFAULT_ADAPTER } from '../../../electron/engine/formats/vmdk/new-descriptor';
import { OUTPUT_OPTIONS } from '../../../shared/formats';

describe('OUTPUT_OPTIONS format-only options', () => {
  it('list an option exactly for the formats whose driver takes it', () => {
    for (const driver of FORMAT_DRIVERS) {
      const options = OUTPUT_OPTIONS[driver.format];
      const takes = driver.output?.formatOptions ?? [];
      expect(options.subformats.length > 0, `${driver.format} subformats`).toBe(takes.includes('subformat'));
      expect(options.adapters.length > 0, `${driver.format} adapters`).toBe(takes.includes('adapter'));
      expect(options.compress, `${driver.format} compress`).toBe(takes.includes('compress'));
    }
  });

  it('name the VMDK writer’s subformats and adapters, the default first', () => {
    expect([...OUTPUT_OPTIONS.vmdk.subformats].sort()).toEqual(Object.keys(SUBFORMATS).sort());
    expect(OUTPUT_OPTIONS.vmdk.subformats[0]).toBe(DEFAULT_SUBFORMAT);
    expect([...OUTPUT_OPTIONS.vmdk.adapters].sort()).toEqual([...ADAPTERS].sort());
    expect(OUTPUT_OPTIONS.vmdk.adapters[0]).toBe(DEFAULT_ADAPTER);
  });

  it('are accepted by the driver layouts as the wizard sends them', () => {
    for (const driver of FORMAT_DRIVERS) {
      if (!driver.output) continue;
      const options = OUTPUT_OPTIONS[driver.format];
      for (const subformat of options.subformats)
        expect(settleLayout({ ...driver, output: driver.output }, { size: 1 << 20, subformat }).subformat).toBe(
          subformat,
        );
      for (const adapter of options.adapters)
        expect(settleLayout({ ...driver, output: driver.output }, { size: 1 << 20, adapter }).adapter).toBe(adapter);
      if (options.compress)
        expect(settleLayout({ ...driver, output: driver.output }, { size: 1 << 20, compress: true }).compress).toBe(
          true,
        );
    }
  });
});
