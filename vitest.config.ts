import vue from '@vitejs/plugin-vue';
import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 120_000,
    globalSetup: ['test/helpers/fixtures-setup.ts'],
    hookTimeout: 120_000,
    // Interop tests spawn qemu-img and python; two cores are all CI has.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'test/unit/renderer/**'],
        },
      },
      {
        // The renderer's stores, drawing logic and components, in happy-dom.
        extends: true,
        plugins: [vue()],
        define: { __VUE_PROD_DEVTOOLS__: 'false', __VUE_OPTIONS_API__: 'false' },
        test: { name: 'renderer', include: ['test/unit/renderer/**/*.test.ts'], environment: 'happy-dom' },
      },
    ],
  },
});
