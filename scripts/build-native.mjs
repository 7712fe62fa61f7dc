// Builds the optional sparse-file addon (native/). Without a compiler the build is skipped: Platter then reads
// holes as data, correct but slower.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const dir = resolve(import.meta.dirname, '../native');
// npm sets npm_config_node_gyp for scripts it runs; otherwise use the node-gyp bundled with npm.
const bundled = join(dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js');
const nodeGyp = process.env.npm_config_node_gyp || (existsSync(bundled) ? bundled : null);
// Build against the installed Node headers when they are there (no download needed).
const prefix = resolve(dirname(process.execPath), '..');
const localHeaders = !process.env.npm_config_nodedir && existsSync(join(prefix, 'include/node/node_api.h'));
const args = [nodeGyp, 'rebuild', '--directory', dir, ...(localHeaders ? [`--nodedir=${prefix}`] : [])];
const r = nodeGyp
  ? spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' })
  : { status: 1, stderr: 'node-gyp not found' };
if (r.status !== 0) {
  const reason = (r.stderr || r.error?.message || '').trim().split('\n').pop();
  process.stderr.write(`platter: note: the sparse-file addon was not built (${reason}); holes will be read as data\n`);
}
