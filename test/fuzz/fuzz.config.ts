// `npm run fuzz`: the mutation fuzzer alone, with many cases. PLATTER_FUZZ_CASES, PLATTER_FUZZ_SEED and
// PLATTER_FUZZ_CASE_MS (the per-case watchdog) choose the run; PLATTER_FUZZ_VERBOSE=1 prints the outcomes.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['test/fuzz/fuzz.test.ts'],
    globalSetup: ['test/helpers/fixtures-setup.ts'],
    env: { PLATTER_FUZZ_CASES: process.env.PLATTER_FUZZ_CASES ?? '20000' },
    hookTimeout: 300_000,
  },
});
