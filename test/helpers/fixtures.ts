// Access to the real images in ../shared/fixtures. Without that folder the fixture tests skip, except in CI where
// its absence is a failure.
//
// The shared folder stores some images gzipped and some with companion files (descriptors, extents, backing
// files). `unpackFixtures` (run once by the test runners' global setup) lays every entry out as the manifest names
// it, companions beside it, in one read-only folder per manifest version; `fixturePath` points there.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { chmod, copyFile, mkdir, open, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { createGunzip } from 'node:zlib';

export const FIXTURES_DIR = resolve(import.meta.dirname, '../../../shared/fixtures');

export type FixtureFormat = 'vhd' | 'vhdx' | 'vmdk' | 'qcow2' | 'vdi' | 'raw';

/** A file as the shared folder stores it: `file` is its name once unpacked. */
export interface StoredFile {
  readonly file: string;
  readonly storedFile?: string;
  readonly storedAs?: 'raw' | 'gzip';
}

export interface FixtureEntry extends StoredFile {
  readonly format: FixtureFormat;
  /** fixed, dynamic or differencing for the first VHD entries; '-' for the first VHDX ones. */
  readonly type?: string;
  /** A sentence that starts with the type for the later entries ("dynamic, 2 MiB blocks, ..."). */
  readonly subformat?: string;
  readonly producer: string;
  readonly creatorApp?: string;
  readonly virtualSize: number;
  readonly contentSha256?: string | null;
  /** What a reader that skips a VHDX's dirty log returns. */
  readonly contentSha256IfLogIgnored?: string;
  readonly qemuImg72VirtualSize?: number;
  readonly originalSize?: number;
  readonly parentLocators?: Record<string, string>;
  readonly companionFiles?: readonly StoredFile[];
  /** Backing files (other entries) this one reads through, nearest first. */
  readonly parents?: readonly string[];
  readonly expect?: string;
}

export const fixturesAvailable = existsSync(join(FIXTURES_DIR, 'manifest.json'));

if (!fixturesAvailable && process.env.CI === 'true') {
  throw new Error(`../shared/fixtures is missing at ${FIXTURES_DIR}; CI must have it`);
}

const manifestText = fixturesAvailable ? readFileSync(join(FIXTURES_DIR, 'manifest.json'), 'utf8') : '[]';

/** Where this manifest's entries are unpacked: one folder per manifest version, kept between runs. */
export const UNPACKED_DIR = join(
  tmpdir(),
  `platter-fixtures-${createHash('sha256').update(manifestText).digest('hex').slice(0, 12)}`,
);
const COMPLETE_MARK = join(UNPACKED_DIR, '.complete');

export function manifest(): FixtureEntry[] {
  return JSON.parse(manifestText) as FixtureEntry[];
}

/** The formats Platter reads today; the other entries must be refused by name, never read as raw disks. */
export const READ_FORMATS: readonly FixtureFormat[] = ['vhd', 'vhdx', 'vdi', 'vmdk', 'qcow2', 'raw'];

/** Entries of a format Platter reads that it refuses by design, and the words its refusal must hold. */
export const REFUSED_ENTRIES: Readonly<Record<string, readonly string[]>> = {
  // qcow2 with an external data file (qemu itself resolves its name against the working directory).
  'qcow2/data-file.qcow2': ['external data file', 'data-file.bin'],
};

/** Entries Platter reads whose content the manifest knows. */
export function readableEntries(format?: FixtureFormat): FixtureEntry[] {
  return manifest().filter(
    (e) =>
      READ_FORMATS.includes(e.format) &&
      (format === undefined || e.format === format) &&
      e.contentSha256 &&
      !(e.file in REFUSED_ENTRIES),
  );
}

/**
 * Disks so large (a 127 GiB empty Hyper-V disk) that hashing their content takes a minute or more: the fixture test
 * hashes them once; the other tests use the rest.
 */
export function hashedQuickly(entry: FixtureEntry): boolean {
  return entry.virtualSize <= 16 * 1024 ** 3;
}

export function entryOf(file: string): FixtureEntry {
  const entry = manifest().find((e) => e.file === file);
  if (!entry) throw new Error(`${file} is not in the fixture manifest`);
  return entry;
}

/** fixed, dynamic or differencing, from `type` or the start of `subformat`; undefined for other formats' kinds. */
export function diskTypeOf(entry: FixtureEntry): 'fixed' | 'dynamic' | 'differencing' | undefined {
  const word = /^(fixed|dynamic|differencing)\b/.exec(entry.type ?? entry.subformat ?? '')?.[1];
  return word as 'fixed' | 'dynamic' | 'differencing' | undefined;
}

/** The unpacked, read-only copy of a manifest file (an entry or a companion). */
export function fixturePath(file: string): string {
  if (fixturesAvailable && !existsSync(COMPLETE_MARK)) {
    throw new Error(`fixtures are not unpacked into ${UNPACKED_DIR}: the test runner's global setup does that`);
  }
  return join(UNPACKED_DIR, file);
}

/** Every file an entry needs beside it: its companions and its backing files with theirs. */
function filesOf(entry: FixtureEntry): string[] {
  const parents = (entry.parents ?? []).flatMap((p) => filesOf(entryOf(p)));
  return [entry.file, ...(entry.companionFiles ?? []).map((c) => c.file), ...parents];
}

/**
 * Copies a fixture into `dir` (writable) so a test may change it, with its companions and backing files beside it
 * under their own names; returns the image's path there.
 */
export async function copyFixture(file: string, dir: string): Promise<string> {
  const entry = manifest().find((e) => e.file === file);
  for (const name of entry ? filesOf(entry) : [file]) {
    const target = join(dir, basename(name));
    await copyFile(fixturePath(name), target);
    await chmod(target, 0o644);
  }
  return join(dir, basename(file));
}

/** Writes `file` unpacked under `root`: gunzipped when stored so, zero runs left as holes (the images are sparse). */
async function unpackOne(stored: StoredFile, root: string): Promise<void> {
  const source = join(FIXTURES_DIR, stored.storedFile ?? stored.file);
  const target = join(root, stored.file);
  await mkdir(dirname(target), { recursive: true });
  const gzipped = stored.storedAs === 'gzip' || source.endsWith('.gz');
  if (!gzipped) return void (await copyFile(source, target));
  const out = await open(target, 'w');
  try {
    let position = 0;
    const zeros = Buffer.alloc(1 << 20);
    for await (const piece of createReadStream(source).pipe(createGunzip({ chunkSize: 1 << 20 }))) {
      const chunk = piece as Buffer;
      if (!chunk.equals(zeros.subarray(0, chunk.length))) await out.write(chunk, 0, chunk.length, position);
      position += chunk.length;
    }
    await out.truncate(position);
  } finally {
    await out.close();
  }
}

/** Unpacks every entry and companion once per manifest version (safe against runners doing it at once). */
export async function unpackFixtures(): Promise<void> {
  if (!fixturesAvailable || existsSync(COMPLETE_MARK)) return;
  const work = `${UNPACKED_DIR}.${process.pid}.tmp`;
  await rm(work, { recursive: true, force: true });
  const stored = manifest().flatMap((e) => [e, ...(e.companionFiles ?? [])]);
  for (const file of stored) await unpackOne(file, work);
  for (const file of stored) await chmod(join(work, file.file), 0o444);
  await writeFile(join(work, '.complete'), '');
  await rename(work, UNPACKED_DIR).catch(async (err: NodeJS.ErrnoException) => {
    // Another runner finished first: its copy is the same.
    await rm(work, { recursive: true, force: true });
    if (!existsSync(COMPLETE_MARK)) throw err;
  });
}
