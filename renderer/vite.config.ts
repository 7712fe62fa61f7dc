// The renderer's Vite config: the Vue plugin and vue-i18n's build flags. electron.vite.config.ts can spread it into
// its `renderer` section; the end-to-end suite builds the renderer with it directly (`vite build -c renderer/vite.config.ts`).
import { resolve } from 'node:path';
import vue from '@vitejs/plugin-vue';
import type { UserConfig } from 'vite';

const here = import.meta.dirname;

export const rendererConfig = {
  root: here,
  base: './',
  plugins: [vue()],
  define: {
    // vue-i18n: Composition API only, no devtools; messages are compiled just in time without eval (strict CSP).
    __VUE_I18N_FULL_INSTALL__: 'true',
    __VUE_I18N_LEGACY_API__: 'false',
    __INTLIFY_PROD_DEVTOOLS__: 'false',
    __VUE_OPTIONS_API__: 'false',
    __VUE_PROD_DEVTOOLS__: 'false',
    __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
  },
  build: {
    outDir: resolve(here, '../out/renderer'),
    emptyOutDir: true,
    // Every asset is a file of its own: the Content-Security-Policy allows images from 'self' only, not data: URLs.
    assetsInlineLimit: 0,
    rollupOptions: { input: resolve(here, 'index.html') },
  },
} satisfies UserConfig;

export default rendererConfig;
