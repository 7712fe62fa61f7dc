// Bundles the `platter` command into one CommonJS file for plain Node (run by `npm ci` through "prepare"):
// bin/platter.mjs compiles it with a V8 code cache, which Node 20 offers for scripts and not for ES modules.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

// The cache of the bundle before, and the ES module bundle of earlier builds.
for (const old of ['dist/cli/platter.cjs.cache', 'dist/cli/platter.mjs', 'dist/cli/platter.mjs.map'])
  rmSync(old, { force: true });

await build({
  entryPoints: ['electron/cli/index.ts'],
  outfile: 'dist/cli/platter.cjs',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  // The engine finds its addon from its own place (native-addon.ts).
  define: { 'import.meta.url': '__bundleUrl' },
  banner: { js: 'const __bundleUrl = require("node:url").pathToFileURL(__filename).href;' },
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
});
