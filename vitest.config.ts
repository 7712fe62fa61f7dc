import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Interop tests spawn qemu-img and python; two cores are all CI has.
    maxWorkers: 2,
  },
});
