// `npm run bench`: times Platter against qemu-img on the same files, alternating runs, in two places:
// - tmpfs (/dev/shm): a flush costs nothing there, so the engines are compared alone, Platter against qemu-img's
//   default;
// - the disk (.bench/ in the checkout): durable against durable, Platter (which flushes before it renames its
//   output into place) against qemu-img's default followed by `sync FILE` (the fastest way to have qemu-img's
//   output on the disk).
// The source, a raw image in which a fixed pseudo-random quarter of the 1 MiB chunks hold random data and the rest
// are holes, is made once per place and kept. BENCH_PLACES=tmpfs or =disk measures one place only; BENCH_RUNS
// (default 7) sets the runs; BENCH_SIZE_MIB (default 4096) and BENCH_TMPFS_SIZE_MIB (default 2048: tmpfs holds
// the images in memory) set the source's size; BENCH_TMPFS_DIR and BENCH_DISK_DIR move the places.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, ftruncateSync, mkdirSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const PLATTER = [process.execPath, join(ROOT, 'bin/platter.mjs')];
const MiB = 1024 * 1024;
const PLACES = [
  {
    name: 'tmpfs',
    dir: process.env.BENCH_TMPFS_DIR ?? '/dev/shm/platter-bench',
    sizeMiB: Number(process.env.BENCH_TMPFS_SIZE_MIB ?? 2048),
  },
  {
    name: 'disk',
    dir: process.env.BENCH_DISK_DIR ?? join(ROOT, '.bench'),
    sizeMiB: Number(process.env.BENCH_SIZE_MIB ?? 4096),
  },
].filter((p) => !process.env.BENCH_PLACES || process.env.BENCH_PLACES.split(',').includes(p.name));

function makeSource(path, sizeMiB) {
  if (existsSync(path) && statSync(path).size === sizeMiB * MiB) return;
  console.log(`making ${path} (${sizeMiB} MiB, 25% data)...`);
  const fd = openSync(path, 'w');
  ftruncateSync(fd, sizeMiB * MiB);
  let seed = createHash('sha256').update('platter-bench').digest();
  for (let chunk = 0; chunk < sizeMiB; chunk++) {
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

/** qemu-img's command, followed by `sync FILE` of its output where the place asks for a durable one. */
function qemuCommand(qemuArgs, output, durable) {
  return durable ? ['sh', '-c', `"$@" && sync "${output}"`, 'qemu', ...qemuArgs] : qemuArgs;
}

/** Platter and qemu-img in turn, the one to start rotating each round; `sync` before each run. */
function bench(name, platterArgs, qemuArgs, output, durable) {
  const runs = { platter: [], qemu: [] };
  const tools = [
    ['platter', platterArgs],
    ['qemu', qemuCommand(qemuArgs, output, durable)],
  ];
  for (let i = 0; i < RUNS; i++) {
    for (const [who, argv] of i % 2 ? [...tools].reverse() : tools) {
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
    best: { platter: best('platter'), qemu: best('qemu') },
    platterRss: rss('platter'),
    qemuRss: rss('qemu'),
  };
}

/** The sources every row reads: the raw image, and qemu-img's dynamic and fully allocated VHD and VHDX of it. */
function sources(dir, sizeMiB) {
  mkdirSync(dir, { recursive: true });
  const raw = join(dir, `source-${sizeMiB}m.img`);
  makeSource(raw, sizeMiB);
  const made = (name, args) => {
    const path = join(dir, `source-${sizeMiB}m-${name}`);
    if (!existsSync(path)) execFileSync('qemu-img', ['convert', ...args, raw, path]);
    return path;
  };
  const vhdx = ['-O', 'vhdx', '-o', `block_size=${32 * MiB}`];
  return {
    raw,
    dyn: made('dynamic.vhd', ['-f', 'raw', '-O', 'vpc', '-o', 'force_size=on']),
    // Every block allocated, three quarters of them zeros: what compact exists for.
    full: made('allocated.vhd', ['-S', '0', '-f', 'raw', '-O', 'vpc', '-o', 'force_size=on']),
    dynx: made('dynamic.vhdx', ['-f', 'raw', ...vhdx]),
    fullx: made('allocated.vhdx', ['-S', '0', '-f', 'raw', ...vhdx]),
    qcow2: made('qemu.qcow2', ['-f', 'raw', '-O', 'qcow2']),
    vmdk: made('qemu.vmdk', ['-f', 'raw', '-O', 'vmdk']),
  };
}

function rowsFor(place) {
  const { raw, dyn, full, dynx, fullx, qcow2, vmdk } = sources(place.dir, place.sizeMiB);
  const out = join(place.dir, 'out');
  const durable = place.name === 'disk';
  const row = (name, platterArgs, qemuArgs) => bench(name, [...PLATTER, ...platterArgs], qemuArgs, out, durable);
  const VHDX_BLOCK = ['-o', `block_size=${32 * MiB}`];
  return [
    row(
      'raw -> dynamic VHD',
      ['convert', '-q', raw, out, '--format', 'vhd'],
      ['qemu-img', 'convert', '-f', 'raw', '-O', 'vpc', '-o', 'force_size=on', raw, out],
    ),
    row(
      'raw -> fixed VHD',
      ['convert', '-q', raw, out, '--format', 'vhd', '--type', 'fixed'],
      ['qemu-img', 'convert', '-f', 'raw', '-O', 'vpc', '-o', 'subformat=fixed,force_size=on', raw, out],
    ),
    row(
      'dynamic VHD -> raw',
      ['convert', '-q', dyn, out, '--format', 'raw'],
      ['qemu-img', 'convert', '-f', 'vpc', '-O', 'raw', dyn, out],
    ),
    row(
      'compact (vpc -> vpc)',
      ['compact', '-q', full, '--output', out],
      ['qemu-img', 'convert', '-f', 'vpc', '-O', 'vpc', '-o', 'force_size=on', full, out],
    ),
    // VHDX, 32 MiB blocks on both sides (Platter's default, as Hyper-V's). qemu-img's way to compact a VHDX is to
    // convert it to a new one.
    row(
      'raw -> dynamic VHDX',
      ['convert', '-q', raw, out, '--format', 'vhdx'],
      ['qemu-img', 'convert', '-f', 'raw', '-O', 'vhdx', ...VHDX_BLOCK, raw, out],
    ),
    row(
      'dynamic VHDX -> raw',
      ['convert', '-q', dynx, out, '--format', 'raw'],
      ['qemu-img', 'convert', '-f', 'vhdx', '-O', 'raw', dynx, out],
    ),
    row(
      'compact VHDX',
      ['compact', '-q', fullx, '--output', out],
      ['qemu-img', 'convert', '-f', 'vhdx', '-O', 'vhdx', ...VHDX_BLOCK, fullx, out],
    ),
    // The other formats, with qemu-img's own defaults on both sides (qcow2 64 KiB clusters, VMDK monolithicSparse).
    row(
      'qcow2 -> dynamic VHD',
      ['convert', '-q', qcow2, out, '--format', 'vhd'],
      ['qemu-img', 'convert', '-f', 'qcow2', '-O', 'vpc', '-o', 'force_size=on', qcow2, out],
    ),
    row(
      'VMDK -> dynamic VHDX',
      ['convert', '-q', vmdk, out, '--format', 'vhdx'],
      ['qemu-img', 'convert', '-f', 'vmdk', '-O', 'vhdx', ...VHDX_BLOCK, vmdk, out],
    ),
    row(
      'raw -> qcow2',
      ['convert', '-q', raw, out, '--format', 'qcow2'],
      ['qemu-img', 'convert', '-f', 'raw', '-O', 'qcow2', raw, out],
    ),
  ];
}

/** The machine's own copy limit: coreutils' sparse copy of the raw source, left in the page cache, then flushed. */
function copyLimit(place) {
  const raw = join(place.dir, `source-${place.sizeMiB}m.img`);
  const out = join(place.dir, 'out');
  const runs = { cached: [], flushed: [] };
  for (let i = 0; i < RUNS; i++) {
    for (const [kind, script] of [
      ['cached', 'cp --sparse=always "$0" "$1"'],
      ['flushed', 'cp --sparse=always "$0" "$1" && sync "$1"'],
    ]) {
      rmSync(out, { force: true });
      spawnSync('sync');
      runs[kind].push(timed(['sh', '-c', script, raw, out]).wall);
    }
  }
  rmSync(out, { force: true });
  return { cached: median(runs.cached), flushed: median(runs.flushed) };
}

const pad = (s, n) => String(s).padEnd(n);
const f2 = (x) => x.toFixed(2);

function print(place, rows, limit) {
  const peer = place.name === 'disk' ? 'qemu-img + sync FILE' : 'qemu-img (default)';
  console.log(`\n${place.name}: ${place.dir}, ${place.sizeMiB} MiB source, 25% data; median of ${RUNS} runs each`);
  console.log(`${pad('operation', 22)}${pad('platter', 9)}${pad(peer, 22)}${pad('ratio', 7)}${pad('best of', 16)}RSS`);
  for (const r of rows) {
    const best = `${f2(r.best.platter)}/${f2(r.best.qemu)} ${f2(r.best.platter / r.best.qemu)}`;
    const rss = `${r.platterRss.toFixed(0)} / ${r.qemuRss.toFixed(0)} MiB`;
    console.log(
      `${pad(r.name, 22)}${pad(f2(r.platter) + 's', 9)}${pad(f2(r.qemu) + 's', 22)}${pad(f2(r.platter / r.qemu), 7)}${pad(best, 16)}${rss}`,
    );
  }
  console.log(`copy limit: cp --sparse=always of the source ${f2(limit.cached)}s, with sync ${f2(limit.flushed)}s`);
}

execFileSync(process.execPath, [join(ROOT, 'scripts/build-cli.mjs')], { stdio: 'inherit' });
for (const place of PLACES) print(place, rowsFor(place), copyLimit(place));

// Info reads only the headers and the BAT: time it on the largest dynamic VHD there is.
const huge = join(PLACES[0]?.dir ?? join(ROOT, '.bench'), 'huge-2040g.vhd');
mkdirSync(resolve(huge, '..'), { recursive: true });
rmSync(huge, { force: true });
execFileSync(PLATTER[0], [PLATTER[1], 'create', '-q', huge, '--size', '2040G']);
const infoRuns = Array.from({ length: RUNS }, () => timed([...PLATTER, 'info', huge]));
rmSync(huge, { force: true });
console.log(
  `\nplatter info of a 2040 GiB dynamic VHD: median ${f2(median(infoRuns.map((r) => r.wall)))}s, peak RSS ${Math.max(...infoRuns.map((r) => r.rss)).toFixed(0)} MiB`,
);
