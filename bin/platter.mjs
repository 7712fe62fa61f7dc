#!/usr/bin/env node
// Runs the bundled CLI; `npm ci` builds it (the "prepare" script), `npm run build:cli` rebuilds it.
try {
  await import('../dist/cli/platter.mjs');
} catch (err) {
  if (err?.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/cli/platter.mjs')) {
    process.stderr.write('platter: the command is not built yet - run `npm run build:cli` in the Platter folder\n');
    process.exit(1);
  }
  throw err;
}
