// The real peers the interop tests compare against: qemu-img / qemu-io (qemu-utils), libvhdi, and util-linux's
// sfdisk and blkid with the mkfs tools for disk contents.
import { execFile, execFileSync } from 'node:child_process';

function has(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export const tools = {
  qemuImg: has('qemu-img'),
  qemuIo: has('qemu-io'),
  vhdiinfo: has('vhdiinfo'),
  // What reads and makes partition tables and file systems, to check what Platter says is inside a disk.
  sfdisk: has('sfdisk'),
  blkid: has('blkid'),
  mkfs: has('mkfs.ext4') && has('mkfs.fat') && has('mkswap'),
  pyvhdi: (() => {
    try {
      execFileSync('/usr/bin/python3', ['-c', 'import pyvhdi'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })(),
};

if (process.env.CI === 'true') {
  const missing = Object.entries(tools)
    .filter(([, ok]) => !ok)
    .map(([name]) => name);
  if (missing.length) throw new Error(`CI must install the interop peers; missing: ${missing.join(', ')}`);
}

export function run(command: string, args: string[]): Promise<string> {
  return new Promise((done, fail) => {
    execFile(command, args, { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) fail(new Error(`${command} ${args.join(' ')} failed: ${stderr || err.message}`));
      else done(stdout);
    });
  });
}

/** qemu-img's view of an image's virtual size. */
export async function qemuVirtualSize(path: string, format = 'vpc'): Promise<number> {
  const info = JSON.parse(await run('qemu-img', ['info', '--output=json', '-f', format, path])) as {
    'virtual-size': number;
  };
  return info['virtual-size'];
}

/** libvhdi's view of an image's virtual size ("Media size" in vhdiinfo). */
export async function vhdiMediaSize(path: string): Promise<number> {
  const out = await run('vhdiinfo', [path]);
  const match = /Media size\s*:.*\((\d+) bytes\)/.exec(out);
  if (!match) throw new Error(`vhdiinfo printed no media size for ${path}:\n${out}`);
  return Number(match[1]);
}

const PYVHDI_HASH = `
import pyvhdi, hashlib, sys
files = []
for p in sys.argv[1:]:
    f = pyvhdi.file(); f.open(p); files.append(f)
for child, parent in zip(files, files[1:]):
    child.set_parent(parent)
f = files[0]; h = hashlib.sha256(); size = f.get_media_size(); off = 0
while off < size:
    n = min(1 << 20, size - off); d = f.read_buffer_at_offset(n, off)
    if len(d) != n: raise SystemExit('short read at %d' % off)
    h.update(d); off += n
print(h.hexdigest())
`;

/** SHA-256 of a VHD's content as libvhdi reads it; `chain` is the image then each parent, child first. */
export async function pyvhdiHash(...chain: string[]): Promise<string> {
  return (await run('/usr/bin/python3', ['-c', PYVHDI_HASH, ...chain])).trim();
}

/** Makes an empty dynamic VHD with qemu-img (2 MiB blocks, exactly `size` bytes). */
export async function qemuDynamicVhd(path: string, size: number): Promise<string> {
  await run('qemu-img', ['create', '-q', '-f', 'vpc', '-o', 'subformat=dynamic,force_size=on', path, String(size)]);
  return path;
}
