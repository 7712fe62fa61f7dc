// The ustar headers an OVA is written with: Python's tarfile parses each (checksum, name, size), and Platter's
// own OVA reader reads the size back, for members small, past the 11-digit octal field (8 GiB) and past the
// 12-digit one (64 GiB, written base-256 as GNU tar does).
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { tarMembers } from '../../../electron/engine/formats/vmdk/ova';
import type { ExtentFile } from '../../../electron/engine/formats/vmdk/ova';
import { tarHeader, tarPadding } from '../../../electron/engine/formats/vmdk/tar-header';

const GiB = 1024 ** 3;
const SIZES = [0, 1000, 8 * GiB - 1, 8 * GiB, 64 * GiB - 1, 100 * GiB + 7];

function pythonReads(header: Uint8Array): { name: string; size: number; type: string } {
  const script = `import sys, tarfile, json
t = tarfile.TarInfo.frombuf(sys.stdin.buffer.read(), 'utf-8', 'surrogateescape')
print(json.dumps({"name": t.name, "size": t.size, "type": t.type.decode()}))`;
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', script], { input: header }).toString()) as {
    name: string;
    size: number;
    type: string;
  };
}

/** A file holding one header, as long as its member says (the data is never read). */
function fileOf(header: Uint8Array, size: number): ExtentFile {
  return {
    path: 'x.ova',
    size: 512 + size + tarPadding(size) + 1024,
    read: () => Promise.reject(new Error('not read')),
    readAt: (position: number, length: number) =>
      Promise.resolve(position === 0 ? header.slice(0, length) : new Uint8Array(length)),
    extents: () => [],
    close: () => Promise.resolve(),
  };
}

describe('OVA tar headers', () => {
  it.each(SIZES)('a member of %i bytes: tarfile and the OVA reader read its size', async (size) => {
    const header = tarHeader('Appliance-disk1.vmdk', size, new Date(1_700_000_000_000));
    expect(pythonReads(header)).toEqual({ name: 'Appliance-disk1.vmdk', size, type: '0' });
    expect(await tarMembers(fileOf(header, size))).toEqual([{ name: 'Appliance-disk1.vmdk', offset: 512, size }]);
  });

  it('pads each member to a whole 512-byte block', () => {
    expect([0, 1, 511, 512, 513].map(tarPadding)).toEqual([0, 511, 1, 0, 511]);
  });
});
