#!/usr/bin/env node
// Runs the bundled CLI; `npm ci` builds it (the "prepare" script), `npm run build:cli` rebuilds it.
// The bundle is compiled with a V8 code cache kept beside it (written after a run without one): compiling the
// bundle is a fifth of a short command's start (see docs/performance.md). The cache names the bundle's size and
// time, so a rebuilt bundle is never run with the code of the one before; V8 checks its own version and flags.
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { Module, createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

const bundle = join(dirname(fileURLToPath(import.meta.url)), '../dist/cli/platter.cjs');
const cacheFile = `${bundle}.cache`;

let source;
let stamp;
try {
  source = readFileSync(bundle, 'utf8');
  const s = statSync(bundle);
  stamp = Buffer.from(`${s.size} ${s.mtimeMs} ${process.version}\n`);
} catch (err) {
  if (err?.code !== 'ENOENT') throw err;
  process.stderr.write('platter: the command is not built yet - run `npm run build:cli` in the Platter folder\n');
  process.exit(1);
}

let cachedData;
try {
  const cache = readFileSync(cacheFile);
  if (cache.subarray(0, stamp.length).equals(stamp)) cachedData = cache.subarray(stamp.length);
} catch {
  // No cache yet: this run writes one.
}

const script = new Script(Module.wrap(source), { filename: bundle, cachedData });
const bundleModule = new Module(bundle);
bundleModule.filename = bundle;
bundleModule.paths = Module._nodeModulePaths(dirname(bundle));
const require = createRequire(bundle);
script.runInThisContext()(bundleModule.exports, require, bundleModule, bundle, dirname(bundle));

if (cachedData === undefined || script.cachedDataRejected) {
  // At exit, so the cache holds the functions this run compiled too; best effort (the folder may be read-only).
  process.once('beforeExit', () => {
    try {
      const temporary = `${cacheFile}.${process.pid}`;
      writeFileSync(temporary, Buffer.concat([stamp, script.createCachedData()]));
      renameSync(temporary, cacheFile);
    } catch {
      // Runs without the cache, as before.
    }
  });
}
