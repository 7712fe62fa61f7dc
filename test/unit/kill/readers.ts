// Three independent readers of an image (qemu-img, libvhdi, Platter), and the rule they must keep after a kill
// or a failed run: each reads the image's old content or its new one, and all of them the same one.
import { createHash, randomBytes } from 'node:crypto';
import { copyFile, readFile, readdir, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { TEMP_PATTERN } from '../../../electron/engine/io/output-file';
import { isPlatterError } from '../../../electron/engine/errors';
import { openImage } from '../../../electron/engine/image/open-image';
import { checkImage } from '../../../electron/engine/ops/check';
import { hashDisk } from '../../../electron/engine/ops/hash';
import { sha256File } from '../../helpers/data';
import { RandomAccessFile } from '../../../electron/engine/io/random-access-file';
import { withLogReplayed } from '../../../electron/engine/formats/vhdx/replayed-source';
import { pyvhdiChainHash, qemuCheckProblems, qemuContentHash, runStatus, tools } from '../../helpers/tools';

/**
 * An image a test watches: a VHD (read by all three), a differencing VHDX (see vhdxChildReadings), a VDI (qemu-img
 * and Platter: libvhdi reads none), an OVA (GNU tar lists it, Platter reads the disk inside) or a raw file.
 */
export interface Watched {
  readonly path: string;
  readonly format: 'vhd' | 'vhdx' | 'vhdx-child' | 'vdi' | 'ova' | 'raw';
  /**
   * libvhdi reads only this many bytes of a differencing VHDX: it reads a child's zero blocks from the parent, and
   * fails past the end of a parent smaller than its child (a child grown).
   */
  readonly libvhdiLength?: number;
  /**
   * After a kill the image may read between its old content and its new one (a merge's parent holds part of the
   * child's changes, which the child still overrides): then every reader must read it, alike, with no problem
   * found, and after the run again its new content.
   */
  readonly between?: boolean;
}

/** What one reader made of an image: a content hash (with any problems), 'absent' or 'unreadable'. */
export interface Reading {
  readonly value: string;
  /** Why it was unreadable, for the failure message. */
  readonly detail?: string;
}

export type Readings = Readonly<Record<string, Reading>>;

export const ABSENT = 'absent';

/** Whether every reader the kill and fault suites compare is installed. */
export const peersInstalled = tools.qemuImg && tools.pyvhdi;

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

const failedReading = (err: unknown): Reading => ({
  value: isPlatterError(err) ? `unreadable (${err.code})` : 'unreadable',
  detail: err instanceof Error ? err.message : String(err),
});

async function qemuReading(path: string, scratch: string, format = 'vpc'): Promise<Reading> {
  try {
    const hash = await qemuContentHash(path, scratch, format);
    const problems = await qemuCheckProblems(path, format);
    return problems ? { value: `${hash} (qemu-img check fails)`, detail: problems } : { value: hash };
  } catch (err) {
    return failedReading(err);
  }
}

async function libvhdiReading(path: string, length?: number): Promise<Reading> {
  return pyvhdiChainHash(path, length).then((value) => ({ value }), failedReading);
}

/**
 * Platter's content hash, with the codes `check` reports (an open also rolls back a journal: read it last). A VHDX
 * log that still holds updates is what a kill during a logged change leaves, and is read replayed: `ignore` it.
 */
async function platterReading(path: string, ignore: readonly string[] = []): Promise<Reading> {
  try {
    const image = await openImage(path);
    let hash: string;
    try {
      hash = await hashDisk(image);
    } finally {
      await image.close();
    }
    const codes = (await checkImage(path)).problems.map((p) => p.code).filter((c) => !ignore.includes(c));
    return { value: codes.length ? `${hash} (check: ${codes.join(', ')})` : hash };
  } catch (err) {
    return failedReading(err);
  }
}

/**
 * A differencing VHDX. qemu-img 7.2 opens none ("Operation not supported"), but replays a VHDX's log before it
 * refuses it (`check -r all`); libvhdi replays no log. So qemu-img's reading is its replay of a copy: what
 * `qemu-img check` says of the copy then, and the copy (its log found empty, not replayed in memory) as Platter
 * reads it; libvhdi reads that replayed copy. Platter reads the image itself, replaying its log in memory. The
 * copy's parents are found through the absolute paths its locator records.
 */
async function vhdxChildReadings(
  path: string,
  scratch: string,
  platter: boolean,
  libvhdiLength?: number,
): Promise<Readings> {
  const copy = join(scratch, `replayed-${process.pid}-${randomBytes(4).toString('hex')}.vhdx`);
  const readings: Record<string, Reading> = {};
  try {
    await copyFile(path, copy);
    await runStatus('qemu-img', ['check', '-q', '-r', 'all', '-f', 'vhdx', copy]);
    const check = await runStatus('qemu-img', ['check', '-f', 'vhdx', copy]);
    const said = `qemu-img check exits ${check.code}: ${(check.stderr || check.stdout).split(copy).join('IMAGE').trim()}`;
    const file = await RandomAccessFile.open(copy);
    const left = ((await withLogReplayed(file)).replay?.writes.length ?? 0) > 0;
    await file.close();
    const reading = left ? { value: 'its log left unreplayed by qemu-img' } : await platterReading(copy);
    readings['qemu-img'] = { ...reading, value: `${reading.value} (${said})` };
    readings.libvhdi = await libvhdiReading(copy, libvhdiLength);
  } catch (err) {
    readings['qemu-img'] = failedReading(err);
  } finally {
    await rm(copy, { force: true });
  }
  if (platter) readings.platter = await platterReading(path, ['VHDX_LOG_NOT_EMPTY']);
  return readings;
}

/**
 * A VHDX of its own (no parent). qemu-img refuses a live log, so it reads a copy it has replayed (`check -r all`),
 * with what `qemu-img check` says of that copy; libvhdi (which replays no log) reads the replayed copy too; Platter
 * reads the image itself, its log replayed in memory.
 */
async function vhdxReadings(path: string, scratch: string, platter: boolean): Promise<Readings> {
  const copy = join(scratch, `replayed-${process.pid}-${randomBytes(4).toString('hex')}.vhdx`);
  const readings: Record<string, Reading> = {};
  try {
    await copyFile(path, copy);
    await runStatus('qemu-img', ['check', '-q', '-r', 'all', '-f', 'vhdx', copy]);
    try {
      const hash = await qemuContentHash(copy, scratch, 'vhdx');
      const problems = await qemuCheckProblems(copy, 'vhdx');
      readings['qemu-img'] = problems ? { value: `${hash} (qemu-img check fails)`, detail: problems } : { value: hash };
    } catch (err) {
      readings['qemu-img'] = failedReading(err);
    }
    readings.libvhdi = await libvhdiReading(copy);
  } finally {
    await rm(copy, { force: true });
  }
  if (platter) readings.platter = await platterReading(path, ['VHDX_LOG_NOT_EMPTY']);
  return readings;
}

/** Reads `image` with qemu-img and libvhdi, then (unless `platter` is false) with Platter. */
export async function readImage(image: Watched, scratch: string, platter = true): Promise<Readings> {
  if (image.format === 'vhdx-child' && (await exists(image.path)))
    return vhdxChildReadings(image.path, scratch, platter, image.libvhdiLength);
  if (image.format === 'vhdx' && (await exists(image.path))) return vhdxReadings(image.path, scratch, platter);
  if (!(await exists(image.path))) {
    const absent = { value: ABSENT };
    if (image.format === 'vdi') return { 'qemu-img': absent, platter: absent };
    if (image.format === 'ova') return { tar: absent, platter: absent };
    return image.format === 'raw' ? { bytes: absent } : { 'qemu-img': absent, libvhdi: absent, platter: absent };
  }
  if (image.format === 'raw') return { bytes: { value: await sha256File(image.path) } };
  if (image.format === 'ova') {
    const listing = await runStatus('tar', ['tf', image.path]);
    const readings: Record<string, Reading> = {
      tar: listing.code === 0 ? { value: listing.stdout.trim().replace(/\n/g, ', ') } : failedReading(listing.stderr),
    };
    if (platter) readings.platter = await platterReading(image.path);
    return readings;
  }
  if (image.format === 'vdi') {
    const readings: Record<string, Reading> = { 'qemu-img': await qemuReading(image.path, scratch, 'vdi') };
    if (platter) readings.platter = await platterReading(image.path);
    return readings;
  }
  const readings: Record<string, Reading> = {
    'qemu-img': await qemuReading(image.path, scratch),
    libvhdi: await libvhdiReading(image.path),
  };
  if (platter) readings.platter = await platterReading(image.path);
  return readings;
}

/** Readers that could not read an image that should be sound: a reference reading must never be one. */
export function unreadable(name: string, readings: Readings): string[] {
  return Object.entries(readings)
    .filter(([, r]) => r.value.startsWith('unreadable'))
    .map(([reader, r]) => `${reader} cannot read ${name}: ${r.detail}`);
}

export type Side = 'old' | 'new' | 'either' | 'neither';

function sideOf(reading: Reading, old: Reading | undefined, next: Reading | undefined): Side {
  const isOld = reading.value === old?.value;
  const isNew = reading.value === next?.value;
  return isOld && isNew ? 'either' : isOld ? 'old' : isNew ? 'new' : 'neither';
}

/** A reading for a failure message: hashes cut to 12 digits, and why it was unreadable. */
const shown = (r: Reading | undefined) =>
  `${r?.value.replace(/[0-9a-f]{64}/g, (h) => h.slice(0, 12))}${r?.detail ? ` (${r.detail.split('\n').at(-2) ?? r.detail})` : ''}`;

const listed = (names: string[]) =>
  names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names.at(-1)}` : names[0];

/**
 * Problems with `now` against the old and new readings: readers that read neither, readers that disagree, or
 * (with `want`) readers on the wrong side. Empty when the image is sound.
 */
export function judge(now: Readings, old: Readings, next: Readings, want?: 'old' | 'new'): string[] {
  const sides = Object.entries(now).map(([reader, reading]) => ({
    reader,
    reading,
    side: sideOf(reading, old[reader], next[reader]),
  }));
  const problems: string[] = [];
  const neither = sides.filter((s) => s.side === 'neither');
  if (neither.length) {
    const what = neither.map((s) => `${s.reader} ${shown(s.reading)}, was ${shown(old[s.reader])}`).join('; ');
    const against = Object.keys(next).length ? 'neither the old content nor the new' : 'other than the old content';
    problems.push(`${listed(neither.map((s) => s.reader))} read ${against} (${what})`);
  }
  const wrong = sides.filter((s) => want && (s.side === 'old' || s.side === 'new') && s.side !== want);
  if (wrong.length)
    problems.push(`${listed(wrong.map((s) => s.reader))} read the ${wrong[0]!.side} content, not the ${want}`);
  const taken = new Set(sides.map((s) => s.side).filter((s) => s === 'old' || s === 'new'));
  if (taken.size > 1)
    problems.push(`the readers disagree: ${sides.map((s) => `${s.reader} reads the ${s.side} content`).join(', ')}`);
  return problems;
}

/**
 * Problems with an image that may read anything between its old and new content: a reader that cannot read it, a
 * problem `check` (Platter's or qemu-img's) finds, or readers that disagree.
 */
export function judgeBetween(now: Readings): string[] {
  const problems: string[] = [];
  const hashes = new Set<string>();
  for (const [reader, reading] of Object.entries(now)) {
    const hash = /^[0-9a-f]{64}/.exec(reading.value)?.[0];
    if (!hash) problems.push(`${reader} cannot read it: ${shown(reading)}`);
    else hashes.add(hash);
    if (/qemu-img check fails|\(check: /.test(reading.value))
      problems.push(`${reader} finds problems: ${shown(reading)}`);
  }
  if (hashes.size > 1)
    problems.push(
      `the readers disagree: ${Object.entries(now)
        .map(([r, v]) => `${r} ${shown(v)}`)
        .join(', ')}`,
    );
  return problems;
}

/** The names and bytes of every file in a folder tree but temporary ones (which no reader looks at). */
async function folderDigest(folder: string): Promise<string> {
  const hash = createHash('sha256');
  const walk = async (dir: string): Promise<void> => {
    for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      if (TEMP_PATTERN.test(entry.name)) continue;
      const path = join(dir, entry.name);
      hash.update(`${path.slice(folder.length)}\0`);
      if (entry.isDirectory()) await walk(path);
      else hash.update(await readFile(path));
    }
  };
  await walk(folder);
  return hash.digest('hex');
}

/**
 * Readings remembered by the bytes of the image's folder (the image, its parents, any journal): most kill points
 * leave an image exactly as an earlier point did, and the readers are the slow part of a run.
 */
export class ReadingCache {
  private readonly known = new Map<string, Readings>();

  constructor(private readonly scratch: string) {}

  async read(image: Watched, platter = true): Promise<Readings> {
    const key = `${basename(image.path)} ${platter} ${await folderDigest(dirname(image.path))}`;
    const known = this.known.get(key);
    if (known) return known;
    const readings = await readImage(image, this.scratch, platter);
    this.known.set(key, readings);
    return readings;
  }
}
