// Files that are plainly not disks are named for what they are; a blank or unknown binary file, an empty disk
// or one whose first sector is code stays a disk. Checked against what file(1) says of the same bytes.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notADiskHint } from '../../../electron/engine/contents/not-a-disk';

const enc = new TextEncoder();
let dir: string;
beforeAll(async () => (dir = await mkdtemp(join(tmpdir(), 'platter-not-a-disk-'))));
afterAll(() => rm(dir, { recursive: true, force: true }));

/** What file(1) calls these bytes, or null where it is not installed. */
async function fileSays(bytes: Uint8Array): Promise<string | null> {
  const path = join(dir, 'sample');
  await writeFile(path, bytes);
  try {
    return execFileSync('file', ['-b', path], { encoding: 'utf8' });
  } catch {
    return null;
  }
}

function padded(head: Uint8Array, size = 4096): Uint8Array {
  const b = new Uint8Array(size);
  b.set(head);
  return b;
}

describe('notADiskHint', () => {
  it('names a text file, and file(1) agrees it is text', async () => {
    const text = enc.encode('# notes\nThe disk image is elsewhere. Grüße\n'.repeat(40));
    expect(notADiskHint(text, text.length)).toBe('text');
    const says = await fileSays(text);
    if (says !== null) expect(says).toMatch(/text/);
  });

  it('a text sample cut inside a multi-byte character is still text', () => {
    const text = enc.encode('é'.repeat(3000)).subarray(0, 4095);
    expect(notADiskHint(text, 1 << 20)).toBe('text');
  });

  it('names a file smaller than a sector whatever it holds', () => {
    expect(notADiskHint(new Uint8Array(100), 100)).toBe('too-small');
    expect(notADiskHint(new Uint8Array(0), 0)).toBe('too-small');
  });

  it('names a PDF, a zip, a gzip and a PNG by their signatures, as file(1) does', async () => {
    const cases: [string, number[], RegExp][] = [
      ['pdf', [...enc.encode('%PDF-1.7\n%\xe2\xe3\n')], /PDF/],
      ['archive', [0x50, 0x4b, 0x03, 0x04, 20, 0, 0, 0, 8, 0], /Zip/i],
      ['archive', [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3], /gzip/],
      ['picture', [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52], /PNG/],
    ];
    for (const [kind, head, fileName] of cases) {
      const bytes = padded(new Uint8Array(head));
      expect(notADiskHint(bytes, 1 << 20)).toBe(kind);
      const says = await fileSays(bytes);
      if (says !== null) expect(says).toMatch(fileName);
    }
  });

  it('a blank disk, random bytes and a boot sector are disks', () => {
    expect(notADiskHint(new Uint8Array(4096), 1 << 20)).toBeNull();
    const noise = new Uint8Array(4096).map((_, i) => (i * 7919 + 13) & 0xff);
    expect(notADiskHint(noise, 1 << 20)).toBeNull();
    const boot = padded(new Uint8Array([0xeb, 0x3c, 0x90, ...enc.encode('MSDOS5.0')]));
    boot[510] = 0x55;
    boot[511] = 0xaa;
    expect(notADiskHint(boot, 1 << 20)).toBeNull();
  });
});
