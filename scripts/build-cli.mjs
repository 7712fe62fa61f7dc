// Bundles the `platter` command into one ESM file for plain Node (run by `npm ci` through "prepare").
import { build } from 'esbuild';

await build({
  entryPoints: ['electron/cli/index.ts'],
  outfile: 'dist/cli/platter.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
});
