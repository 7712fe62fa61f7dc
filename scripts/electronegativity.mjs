// Runs Doyensec's electronegativity over the app's main, preload, worker and renderer sources together (its
// global checks, such as CSP and navigation limits, need to see all of them at once) and fails on any HIGH or
// MEDIUM finding. Part of `npm run lint`.
//
// Excluded check, reviewed by hand:
//   PRELOAD_JS_CHECK flags every BrowserWindow that has a preload, as "review required". Platter's preload is
//   needed (it is the only bridge to the sandboxed renderer); it exposes one method per contract channel and
//   nothing else (no ipcRenderer, no generic invoke), which test/unit/contract/preload-api.test.ts checks.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const SOURCES = ['electron/main', 'electron/preload', 'electron/worker', 'renderer', 'shared', 'package.json'];
// Check names as electronegativity's -x takes them (its class names); the finding's id is PRELOAD_JS_CHECK.
const EXCLUDED = ['PreloadJSCheck'];
const FAILING = new Set(['HIGH', 'MEDIUM']);

const scan = mkdtempSync(join(tmpdir(), 'platter-electronegativity-'));
try {
  for (const source of SOURCES) {
    const from = join(root, source);
    if (existsSync(from)) cpSync(from, join(scan, 'app', source), { recursive: true });
  }
  const csv = join(scan, 'result.csv');
  const bin = join(root, 'node_modules/@doyensec/electronegativity/dist/index.js');
  const args = [bin, '-i', join(scan, 'app'), '-r', '-v', 'false', '-x', EXCLUDED.join(','), '-o', csv];
  const run = spawnSync(process.execPath, args, { encoding: 'utf8' });
  if (run.status !== 0 || !existsSync(csv)) {
    process.stderr.write(run.stdout + run.stderr);
    process.stderr.write('electronegativity: the scan did not run\n');
    process.exit(1);
  }
  const rows = readFileSync(csv, 'utf8')
    .split('\n')
    .slice(1)
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [check, severity, confidence, file, location] = line.split(',').map((f) => f.replace(/^"|"$/g, ''));
      return { check, severity, confidence, file, location };
    });
  for (const r of rows)
    console.log(`electronegativity: ${r.severity} ${r.confidence} ${r.check} ${r.file}:${r.location}`);
  const failing = rows.filter((r) => FAILING.has(r.severity));
  console.log(
    `electronegativity: ${rows.length} finding(s), ${failing.length} HIGH or MEDIUM (excluded after review: ${EXCLUDED.join(', ')})`,
  );
  if (failing.length > 0) process.exit(1);
} finally {
  rmSync(scan, { recursive: true, force: true });
}
