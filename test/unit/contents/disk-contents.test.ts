// What is inside a disk (partition table, partitions, file systems and labels) as sfdisk and blkid read it from
// the same bytes as raw: every fixture, and disks made here with sfdisk and the mkfs tools.
import { execFileSync } from 'node:child_process';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDiskContents } from '../../../electron/engine/contents/disk-contents';
import type { DiskContents } from '../../../electron/engine/contents/disk-contents';
import { openImage } from '../../../electron/engine/image/open-image';
import { convertImage } from '../../../electron/engine/ops/convert';
import { cli } from '../../helpers/cli';
import { fixturePath, fixturesAvailable, readableEntries } from '../../helpers/fixtures';
import { useTempDirs } from '../../helpers/temp-dir';
import { tools } from '../../helpers/tools';

const MiB = 1024 * 1024;
const newTempDir = useTempDirs();

interface Seen {
  readonly scheme: 'mbr' | 'gpt' | null;
  readonly diskId: string | null;
  readonly partitions: readonly (readonly [
    number,
    number,
    number,
    string,
    string | null,
    boolean,
    string | null,
    string | null,
  ])[];
  readonly fileSystem: readonly [string, string | null] | null;
}

function blkid(raw: string, offset?: number): [string, string | null] | null {
  let out = '';
  try {
    out = execFileSync('blkid', ['-p', ...(offset ? ['-O', String(offset)] : []), '-o', 'udev', raw], {
      encoding: 'utf8',
    });
  } catch {
    return null; // exit 2: nothing found
  }
  const field = (name: string) => out.match(new RegExp(`^${name}=(.*)$`, 'm'))?.[1];
  const type = field('ID_FS_TYPE');
  // The udev format escapes spaces and unsafe ASCII as \xNN and keeps UTF-8 as it is (export prints it as M-x).
  const encoded = field('ID_FS_LABEL_ENC');
  const label = encoded?.replace(/\\x([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return type ? [type, label ?? null] : null;
}

interface SfdiskTable {
  readonly label: string;
  readonly id: string;
  readonly partitions?: readonly Record<string, unknown>[];
}

function sfdisk(raw: string): SfdiskTable | null {
  try {
    const out = execFileSync('sfdisk', ['-J', raw], { encoding: 'utf8', stdio: 'pipe' });
    return (JSON.parse(out) as { partitiontable: SfdiskTable }).partitiontable;
  } catch {
    return null; // no partition table it recognizes
  }
}

/** sfdisk and blkid on a raw disk. */
function independent(raw: string): Seen {
  const table = sfdisk(raw);
  if (!table) return { scheme: null, diskId: null, partitions: [], fileSystem: blkid(raw) };
  const gpt = table.label === 'gpt';
  const partitions = (table.partitions ?? []).map((p) => {
    const start = (p.start as number) * 512;
    const type = gpt ? (p.type as string).toLowerCase() : `0x${(p.type as string).padStart(2, '0')}`;
    const extended = !gpt && ['0x05', '0x0f', '0x85'].includes(type);
    const fs = extended ? null : blkid(raw, start);
    return [
      Number(/(\d+)$/.exec(p.node as string)![1]),
      start,
      (p.size as number) * 512,
      type,
      (p.name as string | undefined) ?? null,
      p.bootable === true,
      fs?.[0] ?? null,
      fs?.[1] ?? null,
    ] as const;
  });
  return { scheme: gpt ? 'gpt' : 'mbr', diskId: table.id.toLowerCase(), partitions, fileSystem: null };
}

function seen(c: DiskContents): Seen {
  return {
    scheme: c.scheme,
    diskId: c.diskId,
    partitions: c.partitions.map(
      (p) =>
        [
          p.number,
          p.start,
          p.size,
          p.type,
          p.name,
          p.bootable,
          p.fileSystem?.type ?? null,
          p.fileSystem?.label ?? null,
        ] as const,
    ),
    fileSystem: c.fileSystem ? [c.fileSystem.type, c.fileSystem.label] : null,
  };
}

async function contentsOf(path: string): Promise<DiskContents> {
  const image = await openImage(path, { allowRaw: true });
  try {
    return await readDiskContents(image);
  } finally {
    await image.close();
  }
}

const readable = readableEntries();

describe.skipIf(!tools.sfdisk || !tools.blkid)('disk contents', () => {
  it.runIf(fixturesAvailable).each(readable.map((e) => [e.file] as const))(
    '%s: as sfdisk and blkid read its raw content',
    async (file) => {
      // The raw content through Platter's own convert, which the fixture tests hold to the manifest's hash.
      const raw = join(await newTempDir(), 'disk.img');
      await convertImage({ input: fixturePath(file), output: raw });
      expect(seen(await contentsOf(fixturePath(file)))).toEqual(independent(raw));
    },
  );

  it.runIf(fixturesAvailable)('platter info says it, in words and in its JSON', async () => {
    const path = fixturePath('vhd/hyperv-dynamic-10m.vhd');
    const text = await cli('info', path);
    expect(text.stdout).toMatch(/^Partition table: +MBR, disk signature 0x8cad3de1$/m);
    expect(text.stdout).toContain('\n  1. 7 MiB at 64 KiB, NTFS/exFAT/HPFS (0x07): ntfs "New Volume"\n');
    const json = JSON.parse((await cli('info', '--json', path)).stdout) as { contents: DiskContents };
    expect(json.contents).toEqual(await contentsOf(path));
    const orphan = await cli('info', fixturePath('vhd/windows-differencing-parent-missing.vhd'));
    expect(orphan.code).toBe(0);
    expect(orphan.stdout).toMatch(/^Contents: +not readable \(see the warnings\)$/m);
  });

  /** Writes a file system made by `mkfs` on a scratch file into `raw` at `start`. */
  async function place(raw: string, start: number, size: number, mkfs: string[]): Promise<void> {
    const part = `${raw}.part`;
    execFileSync('truncate', ['-s', String(size), part]);
    execFileSync(mkfs[0]!, [...mkfs.slice(1), part], { stdio: 'ignore' });
    const [from, to] = [await open(part, 'r'), await open(raw, 'r+')];
    try {
      const buffer = Buffer.alloc(size);
      await from.read(buffer, 0, size, 0);
      await to.write(buffer, 0, size, start);
    } finally {
      await from.close();
      await to.close();
    }
  }

  it.runIf(tools.mkfs)('a GPT disk with named partitions: ext4, FAT32 and swap, with labels', async () => {
    const raw = join(await newTempDir(), 'gpt.img');
    execFileSync('truncate', ['-s', String(64 * MiB), raw]);
    execFileSync('sfdisk', ['-q', raw], {
      input: [
        'label: gpt',
        'start=2048, size=40960, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="root"',
        'start=43008, size=40960, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="EFI system partition"',
        'start=83968, size=8192, type=0657FD6D-A4AB-43C4-84E5-0933C84B4F4F, name="swap"',
      ].join('\n'),
    });
    await place(raw, 2048 * 512, 40960 * 512, ['mkfs.ext4', '-q', '-F', '-L', 'platter-root']);
    await place(raw, 43008 * 512, 40960 * 512, ['mkfs.fat', '-F', '32', '-n', 'EFI']);
    await place(raw, 83968 * 512, 8192 * 512, ['mkswap', '-L', 'swap0']);
    const vhd = join(raw, '..', 'gpt.vhd');
    await convertImage({ input: raw, output: vhd });
    const contents = await contentsOf(vhd);
    expect(seen(contents)).toEqual(independent(raw));
    expect(contents.partitions.map((p) => [p.typeName, p.fileSystem?.type, p.fileSystem?.label])).toEqual([
      ['Linux filesystem', 'ext4', 'platter-root'],
      ['EFI System', 'vfat', 'EFI'],
      ['Linux swap', 'swap', 'swap0'],
    ]);
    // info of the raw disk itself: its size and the same contents.
    const info = await cli('info', raw);
    expect(info.stdout).toMatch(/^Format: +raw disk image$/m);
    expect(info.stdout).toContain(
      '\n  2. 20 MiB at 21 MiB, EFI System (c12a7328-f81f-11d2-ba4b-00a0c93ec93b), "EFI system partition": vfat "EFI"\n',
    );
    const json = JSON.parse((await cli('info', '--json', raw)).stdout) as {
      virtualSize: number;
      contents: DiskContents;
    };
    expect(json.virtualSize).toBe(64 * MiB);
    expect(json.contents).toEqual(await contentsOf(raw));
  });

  it.runIf(tools.mkfs)('an MBR disk with an extended partition and logical ones', async () => {
    const raw = join(await newTempDir(), 'mbr.img');
    execFileSync('truncate', ['-s', String(64 * MiB), raw]);
    execFileSync('sfdisk', ['-q', raw], {
      input: [
        'label: dos',
        'start=2048, size=20480, type=83, bootable',
        'start=22528, size=100000, type=5',
        'start=24576, size=20480, type=c',
        'start=47104, size=20480, type=83',
      ].join('\n'),
    });
    await place(raw, 2048 * 512, 20480 * 512, [
      'mkfs.ext4',
      '-q',
      '-F',
      '-O',
      '^has_journal,^extent,^64bit,^flex_bg,^metadata_csum,^huge_file,^dir_nlink,^extra_isize',
      '-L',
      'boot',
    ]);
    await place(raw, 24576 * 512, 20480 * 512, ['mkfs.fat', '-F', '16', '-n', 'DATA']);
    await place(raw, 47104 * 512, 20480 * 512, ['mkfs.ext4', '-q', '-F', '-t', 'ext3', '-L', 'logs']);
    const contents = await contentsOf(raw);
    expect(seen(contents)).toEqual(independent(raw));
    expect(contents.partitions.map((p) => [p.number, p.fileSystem?.type ?? null])).toEqual([
      [1, 'ext2'],
      [2, null],
      [5, 'vfat'],
      [6, 'ext3'],
    ]);
  });

  it('an empty disk, and a disk of random bytes, hold nothing it can name', async () => {
    const dir = await newTempDir();
    const empty = join(dir, 'empty.img');
    execFileSync('truncate', ['-s', String(4 * MiB), empty]);
    expect(await contentsOf(empty)).toEqual({ scheme: null, diskId: null, partitions: [], fileSystem: null });
    const noise = join(dir, 'noise.img');
    execFileSync('head', ['-c', String(4 * MiB), '/dev/urandom'], {
      stdio: ['ignore', (await open(noise, 'w')).fd, 'ignore'],
    });
    expect((await contentsOf(noise)).partitions).toEqual([]);
  });
});
