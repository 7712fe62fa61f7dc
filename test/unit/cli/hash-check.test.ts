// `platter hash` and `platter check` on fresh, damaged and real images.
import { createHash } from 'node:crypto';
import { copyFile, open, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CheckReport } from '../../../electron/engine/ops/check';
import { cli, platter } from '../../helpers/cli';
import { copyFixture, fixturePath, fixturesAvailable, hashedQuickly, readableEntries } from '../../helpers/fixtures';
import { useTempDirs } from '../../helpers/temp-dir';

const MiB = 1024 ** 2;
const newTempDir = useTempDirs();
const zerosSha256 = (bytes: number) => createHash('sha256').update(new Uint8Array(bytes)).digest('hex');

async function createImage(dir: string, name: string, ...args: string[]): Promise<string> {
  const path = join(dir, name);
  const r = await cli('create', path, ...args);
  expect(r.code).toBe(0);
  return path;
}

/** Flips every bit of one byte of the file, `fromEnd` bytes before its end. */
async function flipByte(path: string, fromEnd: number): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    const position = (await handle.stat()).size - fromEnd;
    const byte = new Uint8Array(1);
    await handle.read(byte, 0, 1, position);
    byte[0] = byte[0]! ^ 0xff;
    await handle.write(byte, 0, 1, position);
  } finally {
    await handle.close();
  }
}

describe('hash', () => {
  it('prints "<sha256>  <path as given>", like sha256sum, for a relative path', async () => {
    const dir = await newTempDir();
    const path = await createImage(dir, 'disk.vhd', '--size', '1M');
    const given = relative(process.cwd(), path);
    expect(given.startsWith('/')).toBe(false);
    const r = await cli('hash', given);
    expect(r).toEqual({ code: 0, stdout: `${zerosSha256(MiB)}  ${given}\n`, stderr: '' });
  });

  it('prints an absolute path as given, also from the built command', async () => {
    const dir = await newTempDir();
    const path = await createImage(dir, 'fixed.vhd', '--size', '1536K', '--type', 'fixed');
    const expected = { code: 0, stdout: `${zerosSha256(1536 * 1024)}  ${path}\n`, stderr: '' };
    expect(await cli('hash', path)).toEqual(expected);
    expect(await cli('hash', '--quiet', path)).toEqual(expected);
    expect(await platter('hash', path)).toEqual(expected);
  });

  it('hashes the content, not the file: fixed and dynamic disks of the same size agree', async () => {
    const dir = await newTempDir();
    const fixed = await createImage(dir, 'a.vhd', '--size', '3M', '--type', 'fixed');
    const dynamic = await createImage(dir, 'b.vhd', '--size', '3M');
    const line = async (p: string) => (await cli('hash', p)).stdout.split(' ')[0];
    expect(await line(fixed)).toBe(await line(dynamic));
    expect(await line(fixed)).toMatch(/^[0-9a-f]{64}$/);
  });

  describe.skipIf(!fixturesAvailable)('real images', () => {
    // Images only: a raw disk is refused (sha256sum hashes it).
    const readable = readableEntries().filter((e) => e.format !== 'raw' && hashedQuickly(e));
    it.each(readable.map((e) => [e.file, e.contentSha256] as const))('%s', async (file, sha256) => {
      const path = fixturePath(file);
      expect(await cli('hash', path)).toEqual({ code: 0, stdout: `${sha256}  ${path}\n`, stderr: '' });
    });
  });
});

describe('check', () => {
  it.each([
    ['dynamic', ['--size', '5M']],
    ['fixed', ['--size', '5M', '--type', 'fixed']],
    ['dynamic, 512 KiB blocks', ['--size', '5M', '--block-size', '512K']],
  ])('exits 0 on a fresh %s image', async (_what, args) => {
    const dir = await newTempDir();
    const path = await createImage(dir, 'disk.vhd', ...args);
    expect(await cli('check', path)).toEqual({ code: 0, stdout: `${path}: no problems found\n`, stderr: '' });
    const json = await cli('check', '--json', path);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ path, problems: [], clean: true });
  });

  it('exits 1 on a copy of a dynamic image with a byte flipped in its footer, listing the problem', async () => {
    const dir = await newTempDir();
    const original = await createImage(dir, 'disk.vhd', '--size', '5M');
    const copy = join(await newTempDir(), 'copy.vhd');
    await copyFile(original, copy);
    await flipByte(copy, 512 - 100); // a reserved byte of the footer at the end
    const size = (await stat(copy)).size;
    const damaged = await readFile(copy);

    const r = await cli('check', copy);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(new RegExp(`^${copy}: \\d+ problems?\\n`));
    expect(r.stdout).toContain(`error VHD_FOOTER_CHECKSUM at offset ${size - 512}: `);

    const json = await cli('check', '--json', copy);
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as CheckReport;
    expect(report.clean).toBe(false);
    expect(report.problems).toContainEqual(
      expect.objectContaining({ code: 'VHD_FOOTER_CHECKSUM', severity: 'error', offset: size - 512 }),
    );
    // check only reads; the original is still clean.
    expect((await readFile(copy)).equals(damaged)).toBe(true);
    expect((await cli('check', original)).code).toBe(0);
  });

  it('exits 1 on a fixed image with a byte flipped in its footer', async () => {
    const dir = await newTempDir();
    const path = await createImage(dir, 'fixed.vhd', '--size', '2M', '--type', 'fixed');
    await flipByte(path, 1);
    const report = JSON.parse((await cli('check', '--json', path)).stdout) as CheckReport;
    expect(report.problems.map((p) => p.code)).toEqual(['VHD_FOOTER_CHECKSUM']);
    expect((await cli('check', path)).code).toBe(1);
  });

  it('exits 1 on a dynamic image whose footer cookie is gone, and info falls back to the copy at the start', async () => {
    const dir = await newTempDir();
    const path = await createImage(dir, 'disk.vhd', '--size', '5M');
    await flipByte(path, 512);
    const r = await cli('check', path);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('VHD_FOOTER_MISSING');
    const info = await cli('info', '--json', path);
    expect(info.code).toBe(0);
    expect(JSON.parse(info.stdout)).toMatchObject({ footerSource: 'head', virtualSize: 5 * MiB });
  });

  describe.skipIf(!fixturesAvailable)('real images', () => {
    it('exits 0 on a Hyper-V image and 1 on a damaged copy of it', async () => {
      expect((await cli('check', fixturePath('vhd/hyperv-dynamic-10m.vhd'))).code).toBe(0);
      const copy = await copyFixture('vhd/hyperv-dynamic-10m.vhd', await newTempDir());
      await flipByte(copy, 512 - 200);
      const r = await cli('check', copy);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('VHD_FOOTER_CHECKSUM');
    });

    it('exits 1 on a differencing image whose parent is missing, naming the parent', async () => {
      const r = await cli('check', fixturePath('vhd/windows-differencing-parent-missing.vhd'));
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/VHD_PARENT_NOT_FOUND: [^\n]*fat-parent\.vhd/);
    });
  });
});
