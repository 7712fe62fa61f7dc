// `platter create`, then `platter info --json` on what it made.
import { readFile, readdir, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { geometryForSectors } from '../../../electron/engine/formats/vhd/geometry';
import type { CreateResult } from '../../../electron/engine/ops/create';
import type { ImageInfo } from '../../../electron/engine/formats/vhd/vhd-info';
import { cli } from '../../helpers/cli';
import type { CliResult } from '../../helpers/cli';
import { useTempDirs } from '../../helpers/temp-dir';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const newTempDir = useTempDirs();

async function ok(...argv: string[]): Promise<CliResult> {
  const r = await cli(...argv);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r;
}

async function create(...argv: string[]): Promise<CreateResult> {
  return JSON.parse((await ok('create', ...argv, '--json')).stdout) as CreateResult;
}

async function info(path: string): Promise<ImageInfo> {
  return JSON.parse((await ok('info', '--json', path)).stdout) as ImageInfo;
}

/** The VHD timestamp of "now": whole seconds, so the lower bound is rounded down. */
function expectRecent(iso: string, startedMs: number): void {
  expect(iso).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000Z$/);
  const t = Date.parse(iso);
  expect(t).toBeGreaterThanOrEqual(Math.floor(startedMs / 1000) * 1000);
  expect(t).toBeLessThanOrEqual(Date.now());
}

describe('create, then info --json', () => {
  it('a dynamic disk (the default type) with 2 MiB blocks', async () => {
    const dir = await newTempDir();
    const path = join(dir, 'disk.vhd');
    const started = Date.now();
    const created = await create(path, '--size', '64M');
    expect(created).toEqual({
      path,
      format: 'vhd',
      diskType: 'dynamic',
      virtualSize: 64 * MiB,
      blockSize: 2 * MiB,
      uuid: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
    });
    const i = await info(path);
    expect(i).toMatchObject({
      path,
      format: 'vhd',
      diskType: 'dynamic',
      virtualSize: 64 * MiB,
      currentSize: 64 * MiB,
      originalSize: 64 * MiB,
      fileSize: (await stat(path)).size,
      blockSize: 2 * MiB,
      creatorApp: 'win ',
      creatorVersion: '10.0',
      creatorHostOs: 'Wi2k',
      uuid: created.uuid,
      geometry: geometryForSectors((64 * MiB) / 512),
      allocatedBlocks: 0,
      totalBlocks: 32,
      checksumValid: true,
      headerChecksumValid: true,
      parent: null,
      warnings: [],
    });
    expectRecent(i.timestamp, started);
  });

  it('prints a one-line summary without --json', async () => {
    const dir = await newTempDir();
    const path = join(dir, 'disk.vhd');
    const r = await ok('create', path, '--size', '64M');
    expect(r.stdout).toBe(`Created ${path}: dynamic VHD, 64 MiB (67108864 bytes), 2 MiB blocks\n`);
  });

  it('a fixed disk: no blocks, the file is the size plus a footer', async () => {
    const dir = await newTempDir();
    const path = join(dir, 'fixed.vhd');
    const started = Date.now();
    const created = await create(path, '--size', '10M', '--type', 'fixed');
    expect(created).toMatchObject({ diskType: 'fixed', virtualSize: 10 * MiB, blockSize: null });
    expect((await stat(path)).size).toBe(10 * MiB + 512);
    const i = await info(path);
    expect(i).toMatchObject({
      format: 'vhd',
      diskType: 'fixed',
      virtualSize: 10 * MiB,
      originalSize: 10 * MiB,
      fileSize: 10 * MiB + 512,
      blockSize: null,
      creatorApp: 'win ',
      creatorVersion: '10.0',
      creatorHostOs: 'Wi2k',
      uuid: created.uuid,
      // The Hyper-V 10 MiB fixture records the same.
      geometry: { cylinders: 301, heads: 4, sectorsPerTrack: 17 },
      allocatedBlocks: null,
      totalBlocks: null,
      checksumValid: true,
      headerChecksumValid: null,
      parent: null,
      warnings: [],
    });
    expectRecent(i.timestamp, started);
  });

  it('a preallocated fixed disk holds every byte on disk, all zeros', async () => {
    const dir = await newTempDir();
    const path = join(dir, 'full.vhd');
    await create(path, '--size', '4M', '--type', 'fixed', '--preallocate');
    const s = await stat(path);
    expect(s.size).toBe(4 * MiB + 512);
    expect(s.blocks * 512).toBeGreaterThanOrEqual(4 * MiB);
    expect((await readFile(path)).subarray(0, 4 * MiB).every((b) => b === 0)).toBe(true);
    expect((await info(path)).diskType).toBe('fixed');
  });

  it('a dynamic disk with 512 KiB blocks and a size that is not a whole number of blocks', async () => {
    const dir = await newTempDir();
    const path = join(dir, 'odd.vhd');
    await create(path, '--size', '1537K', '--block-size', '512K');
    expect(await info(path)).toMatchObject({
      virtualSize: 1537 * 1024,
      blockSize: 512 * 1024,
      totalBlocks: 4,
      allocatedBlocks: 0,
      warnings: [],
    });
  });

  it('the largest dynamic disk, 2040 GiB, with the maximum geometry', async () => {
    const dir = await newTempDir();
    const path = join(dir, 'huge.vhd');
    await create(path, '--size', '2040G');
    expect(await info(path)).toMatchObject({
      virtualSize: 2040 * GiB,
      totalBlocks: 1044480,
      geometry: { cylinders: 65535, heads: 16, sectorsPerTrack: 255 },
      checksumValid: true,
      warnings: [],
    });
  });

  it('a differencing child: the parent’s size and block size, and a parent that resolves', async () => {
    const dir = await newTempDir();
    const base = join(dir, 'base.vhd');
    const childPath = join(dir, 'child.vhd');
    const parent = await create(base, '--size', '8M', '--block-size', '512K');
    const started = Date.now();
    const child = await create(childPath, '--parent', base);
    expect(child).toMatchObject({
      path: childPath,
      diskType: 'differencing',
      virtualSize: 8 * MiB,
      blockSize: 512 * 1024,
    });
    expect(child.uuid).not.toBe(parent.uuid);
    const i = await info(childPath);
    expect(i).toMatchObject({
      format: 'vhd',
      diskType: 'differencing',
      virtualSize: 8 * MiB,
      blockSize: 512 * 1024,
      creatorApp: 'win ',
      uuid: child.uuid,
      totalBlocks: 16,
      allocatedBlocks: 0,
      checksumValid: true,
      headerChecksumValid: true,
      warnings: [],
    });
    expectRecent(i.timestamp, started);
    const p = i.parent!;
    expect(p).toMatchObject({ uuid: parent.uuid, name: base, resolvedPath: base });
    expect(p.timestamp).toBe(new Date(Math.floor((await stat(base)).mtimeMs / 1000) * 1000).toISOString());
    expect(p.locators).toContainEqual(expect.objectContaining({ platform: 'W2ku', path: base }));
    expect(p.locators).toContainEqual(expect.objectContaining({ platform: 'W2ru', path: '.\\base.vhd' }));
    // The child reads as its parent: both empty.
    expect((await ok('hash', childPath)).stdout.slice(0, 64)).toBe((await ok('hash', base)).stdout.slice(0, 64));
    expect((await ok('check', childPath)).stdout).toBe(`${childPath}: no problems found\n`);
  });

  it('a child of a fixed parent gets the default 2 MiB blocks; --size equal to the parent’s is allowed', async () => {
    const dir = await newTempDir();
    const base = join(dir, 'base.vhd');
    await create(base, '--size', '3M', '--type', 'fixed');
    const child = await create(join(dir, 'child.vhd'), '--parent', base, '--size', '3M');
    expect(child).toMatchObject({ diskType: 'differencing', virtualSize: 3 * MiB, blockSize: 2 * MiB });
  });

  it('a child whose parent has moved: info warns, hash fails naming the parent', async () => {
    const dir = await newTempDir();
    const base = join(dir, 'base.vhd');
    const childPath = join(dir, 'child.vhd');
    const parent = await create(base, '--size', '1M');
    await create(childPath, '--parent', base);
    await rename(base, join(dir, 'moved.bin'));
    const i = await info(childPath);
    expect(i.parent).toMatchObject({ uuid: parent.uuid, name: base, resolvedPath: null });
    expect(i.warnings.join('\n')).toContain('base.vhd');
    const r = await cli('hash', childPath);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^platter: [^\n]*base\.vhd[^\n]*not found[^\n]*\n$/);
  });
});

describe('create refuses', () => {
  it('an existing output, and leaves it untouched', async () => {
    const dir = await newTempDir();
    const path = join(dir, 'taken.vhd');
    await writeFile(path, 'precious data');
    const before = await stat(path);
    for (const extra of [
      ['--size', '1M'],
      ['--size', '1M', '--type', 'fixed'],
    ]) {
      const r = await cli('create', path, ...extra);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^platter: [^\n]*taken\.vhd already exists[^\n]*\n$/);
    }
    expect(await readFile(path, 'utf8')).toBe('precious data');
    expect((await stat(path)).mtimeMs).toBe(before.mtimeMs);
    expect(await readdir(dir)).toEqual(['taken.vhd']);
  });

  it('an existing image as output, leaving it byte for byte as it was', async () => {
    const dir = await newTempDir();
    const path = join(dir, 'disk.vhd');
    await create(path, '--size', '1M');
    const bytes = await readFile(path);
    const r = await cli('create', path, '--size', '2M');
    expect(r.code).toBe(1);
    expect((await readFile(path)).equals(bytes)).toBe(true);
    expect(await readdir(dir)).toEqual(['disk.vhd']);
  });

  it.each([
    ['a size that is not a multiple of 512', ['--size', '1000'], 1, /multiple of 512.*1024/],
    ['a size of 0', ['--size', '0'], 1, /size 0 /],
    ['a size past the 2040 GiB limit', ['--size', '2041G'], 1, /2040 GiB/],
    ['a fixed size past the limit', ['--size', '2041G', '--type', 'fixed'], 1, /2040 GiB/],
    ['a size that is not a whole number of bytes', ['--size', '1.5'], 2, /whole number of bytes/],
    ['a size that is not a size', ['--size', 'lots'], 2, /is not a size/],
    ['a block size that is not a power of two', ['--size', '8M', '--block-size', '3M'], 1, /block size/],
    ['a block size below 512 KiB', ['--size', '8M', '--block-size', '256K'], 1, /block size/],
    ['a block size above 256 MiB', ['--size', '8M', '--block-size', '512M'], 1, /block size/],
    ['a block size for a fixed disk', ['--size', '8M', '--type', 'fixed', '--block-size', '2M'], 1, /block size/],
    ['--preallocate for a dynamic disk', ['--size', '8M', '--preallocate'], 1, /preallocate/],
  ])('%s: a clear error and no file, not even a temporary one', async (_what, args, code, message) => {
    const dir = await newTempDir();
    const r = await cli('create', join(dir, 'disk.vhd'), ...args);
    expect(r.code).toBe(code);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^platter: [^\n]+\n$/);
    expect(r.stderr).toMatch(message);
    expect(await readdir(dir)).toEqual([]);
  });

  it.each([
    ['--type fixed for a child', ['--type', 'fixed'], /differencing disk is always dynamic/],
    ['--preallocate for a child', ['--preallocate'], /differencing disk is always dynamic/],
    ['a --size other than the parent’s', ['--size', '2M'], /parent's size \(1048576 bytes\)/],
  ])('%s: a clear error and no child', async (_what, args, message) => {
    const dir = await newTempDir();
    const base = join(dir, 'base.vhd');
    await create(base, '--size', '1M');
    const bytes = await readFile(base);
    const r = await cli('create', join(dir, 'child.vhd'), '--parent', base, ...args);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^platter: [^\n]+\n$/);
    expect(r.stderr).toMatch(message);
    expect(await readdir(dir)).toEqual(['base.vhd']);
    expect((await readFile(base)).equals(bytes)).toBe(true);
  });
});
