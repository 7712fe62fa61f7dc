// `npm run bench`: times Platter against qemu-img on the same files, alternating runs.
// The 4 GiB source (25% of its 1 MiB chunks random data, the rest holes) is made once and cached in .bench/.
// BENCH_DIR puts it all elsewhere: on tmpfs (BENCH_DIR=/dev/shm/platter-bench) a flush costs nothing, so the
// engines are compared without the disk (use BENCH_SIZE_MIB=1024 there: the images live in memory).
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, openSync, closeSync, writeSync, ftruncateSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const DIR = process.env.BENCH_DIR ? resolve(process.env.BENCH_DIR) : join(ROOT, '.bench');
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const SIZE_MIB = Number(process.env.BENCH_SIZE_MIB ?? 4096);
const PLATTER = [process.execPath, join(ROOT, 'bin/platter.mjs')];
const SOURCE = join(DIR, `source-${SIZE_MIB}m.img`);
const MiB = 1024 * 1024;

function makeSource() {
  if (existsSync(SOURCE) && statSync(SOURCE).size === SIZE_MIB * MiB) return;
  console.log(`making ${SOURCE} (${SIZE_MIB} MiB, 25% data)...`);
  const fd = openSync(SOURCE, 'w');
  ftruncateSync(fd, SIZE_MIB * MiB);
  let seed = createHash('sha256').update('platter-bench').digest();
  for (let chunk = 0; chunk < SIZE_MIB; chunk++) {
    seed = createHash('sha256').update(seed).digest();
    if (seed[0] >= 64) continue; // a fixed pseudo-random quarter of the chunks
    const data = Buffer.alloc(MiB);
    let block = seed;
    for (let i = 0; i < MiB; i += 32) {
      block = createHash('sha256').update(block).digest();
      block.copy(data, i);
    }
    writeSync(fd, data, 0, MiB, chunk * MiB);
  }
  closeSync(fd);
}

/** Runs a command under /usr/bin/time; returns wall seconds and peak RSS in MiB. */
function timed(argv) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', ...argv], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed:\n${r.stderr}`);
  const [wall, rssKb] = r.stderr.trim().split('\n').pop().split(' ').map(Number);
  return { wall, rss: rssKb / 1024 };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Runs Platter, qemu-img as it runs by default (cache=unsafe for convert: it never flushes its output) and
 * qemu-img -t writeback (flushes at the end, as Platter does before renaming its output into place), in turn,
 * rotating which goes first.
 */
function bench(name, platterArgs, qemuArgs, output) {
  const qemuFlushed = [qemuArgs[0], qemuArgs[1], '-t', 'writeback', ...qemuArgs.slice(2)];
  const runs = { platter: [], qemu: [], qemuFlushed: [] };
  const tools = [
    ['platter', platterArgs],
    ['qemu', qemuArgs],
    ['qemuFlushed', qemuFlushed],
  ];
  for (let i = 0; i < RUNS; i++) {
    // Each round starts with the next tool: none always runs right after the same other one.
    for (const [who, argv] of [...tools.slice(i % 3), ...tools.slice(0, i % 3)]) {
      rmSync(output, { force: true });
      // Start each run with no write-back pending from the one before: otherwise runs disturb each other.
      spawnSync('sync');
      runs[who].push(timed(argv));
    }
  }
  rmSync(output, { force: true });
  const wall = (who) => median(runs[who].map((r) => r.wall));
  const best = (who) => Math.min(...runs[who].map((r) => r.wall));
  const rss = (who) => Math.max(...runs[who].map((r) => r.rss));
  return {
    name,
    platter: wall('platter'),
    qemu: wall('qemu'),
    qemuFlushed: wall('qemuFlushed'),
    best: { platter: best('platter'), qemu: best('qemu'), qemuFlushed: best('qemuFlushed') },
    platterRss: rss('platter'),
    qemuRss: rss('qemu'),
  };
}

mkdirSync(DIR, { recursive: true });
execFileSync(process.execPath, [join(ROOT, 'scripts/build-cli.mjs')], { stdio: 'inherit' });
makeSource();
const dyn = join(DIR, `source-${SIZE_MIB}m-dynamic.vhd`);
const full = join(DIR, `source-${SIZE_MIB}m-allocated.vhd`);
if (!existsSync(dyn))
  execFileSync('qemu-img', ['convert', '-f', 'raw', '-O', 'vpc', '-o', 'force_size=on', SOURCE, dyn]);
// Every block allocated, three quarters of them zeros: what compact exists for.
if (!existsSync(full))
  execFileSync('qemu-img', ['convert', '-S', '0', '-f', 'raw', '-O', 'vpc', '-o', 'force_size=on', SOURCE, full]);
const dynx = join(DIR, `source-${SIZE_MIB}m-dynamic.vhdx`);
const fullx = join(DIR, `source-${SIZE_MIB}m-allocated.vhdx`);
const VHDX_BLOCK = ['-o', `block_size=${32 * MiB}`];
if (!existsSync(dynx)) execFileSync('qemu-img', ['convert', '-f', 'raw', '-O', 'vhdx', ...VHDX_BLOCK, SOURCE, dynx]);
if (!existsSync(fullx))
  execFileSync('qemu-img', ['convert', '-S', '0', '-f', 'raw', '-O', 'vhdx', ...VHDX_BLOCK, SOURCE, fullx]);
const out = join(DIR, 'out');

const rows = [
  bench(
    'raw -> dynamic VHD',
    [...PLATTER, 'convert', '-q', SOURCE, out, '--format', 'vhd'],
    ['qemu-img', 'convert', '-f', 'raw', '-O', 'vpc', '-o', 'force_size=on', SOURCE, out],
    out,
  ),
  bench(
    'raw -> fixed VHD',
    [...PLATTER, 'convert', '-q', SOURCE, out, '--format', 'vhd', '--type', 'fixed'],
    ['qemu-img', 'convert', '-f', 'raw', '-O', 'vpc', '-o', 'subformat=fixed,force_size=on', SOURCE, out],
    out,
  ),
  bench(
    'dynamic VHD -> raw',
    [...PLATTER, 'convert', '-q', dyn, out, '--format', 'raw'],
    ['qemu-img', 'convert', '-f', 'vpc', '-O', 'raw', dyn, out],
    out,
  ),
  bench(
    'compact (vpc -> vpc)',
    [...PLATTER, 'compact', '-q', full, '--output', out],
    ['qemu-img', 'convert', '-f', 'vpc', '-O', 'vpc', '-o', 'force_size=on', full, out],
    out,
  ),
  // VHDX, 32 MiB blocks on both sides (Platter's default, as Hyper-V's). qemu-img's way to compact a VHDX is to
  // convert it to a new one.
  bench(
    'raw -> dynamic VHDX',
    [...PLATTER, 'convert', '-q', SOURCE, out, '--format', 'vhdx'],
    ['qemu-img', 'convert', '-f', 'raw', '-O', 'vhdx', ...VHDX_BLOCK, SOURCE, out],
    out,
  ),
  bench(
    'dynamic VHDX -> raw',
    [...PLATTER, 'convert', '-q', dynx, out, '--format', 'raw'],
    ['qemu-img', 'convert', '-f', 'vhdx', '-O', 'raw', dynx, out],
    out,
  ),
  bench(
    'compact VHDX',
    [...PLATTER, 'compact', '-q', fullx, '--output', out],
    ['qemu-img', 'convert', '-f', 'vhdx', '-O', 'vhdx', ...VHDX_BLOCK, fullx, out],
    out,
  ),
];

const pad = (s, n) => String(s).padEnd(n);
const f2 = (x) => x.toFixed(2);
console.log(`\n${SIZE_MIB} MiB source, 25% data; median wall time of ${RUNS} runs each, alternating`);
console.log('qemu-img: its default (never flushes the output); qemu-img wb: -t writeback (flushed, like Platter)\n');
console.log(
  `${pad('operation', 22)}${pad('platter', 9)}${pad('qemu-img', 10)}${pad('ratio', 7)}${pad('qemu wb', 9)}${pad('ratio wb', 10)}${pad('platter RSS', 13)}qemu-img RSS`,
);
for (const r of rows) {
  console.log(
    `${pad(r.name, 22)}${pad(f2(r.platter) + 's', 9)}${pad(f2(r.qemu) + 's', 10)}${pad(f2(r.platter / r.qemu), 7)}${pad(f2(r.qemuFlushed) + 's', 9)}${pad(f2(r.platter / r.qemuFlushed), 10)}${pad(r.platterRss.toFixed(0) + ' MiB', 13)}${r.qemuRss.toFixed(0)} MiB`,
  );
}

// This virtual disk has slow phases (the same command takes twice as long, for every tool); the best run of each
// shows what each does undisturbed.
console.log(`\nbest of ${RUNS} runs`);
for (const { name, best } of rows) {
  console.log(
    `${pad(name, 22)}${pad(f2(best.platter) + 's', 9)}${pad(f2(best.qemu) + 's', 10)}${pad(f2(best.platter / best.qemu), 7)}${pad(f2(best.qemuFlushed) + 's', 9)}${f2(best.platter / best.qemuFlushed)}`,
  );
}

// What flushing costs on this disk, measured without Platter or qemu-img: the system's own sparse copy of the raw
// source (coreutils cp, in-kernel copy_file_range), left in the page cache, then flushed (sync -d: fdatasync).
const copyRuns = { cached: [], flushed: [] };
for (let i = 0; i < RUNS; i++) {
  for (const [kind, script] of [
    ['cached', 'cp --sparse=always "$0" "$1"'],
    ['flushed', 'cp --sparse=always "$0" "$1" && sync -d "$1"'],
  ]) {
    rmSync(out, { force: true });
    spawnSync('sync');
    copyRuns[kind].push(timed(['sh', '-c', script, SOURCE, out]).wall);
  }
}
rmSync(out, { force: true });
console.log(
  `\nthe flush on this disk: cp --sparse=always of the raw source ${f2(median(copyRuns.cached))}s, with sync -d ${f2(median(copyRuns.flushed))}s`,
);

// Info reads only the headers and the BAT: time it on the largest dynamic VHD there is.
const huge = join(DIR, 'huge-2040g.vhd');
rmSync(huge, { force: true });
execFileSync(PLATTER[0], [PLATTER[1], 'create', '-q', huge, '--size', '2040G']);
const infoRuns = Array.from({ length: RUNS }, () => timed([...PLATTER, 'info', huge]));
rmSync(huge, { force: true });
console.log(
  `\nplatter info of a 2040 GiB dynamic VHD: median ${f2(median(infoRuns.map((r) => r.wall)))}s, peak RSS ${Math.max(...infoRuns.map((r) => r.rss)).toFixed(0)} MiB`,
);
