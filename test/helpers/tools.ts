// The real peers the interop tests compare against: qemu-img / qemu-io (qemu-utils), libvhdi, and util-linux's
// sfdisk and blkid with the mkfs tools for disk contents.
import { execFile, execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

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
  vmdkinfo: has('vmdkinfo'),
  pyvmdk: pythonHas('pyvmdk'),
  pyvhdi: pythonHas('pyvhdi'),
  pyqcow: pythonHas('pyqcow'),
};

function pythonHas(module: string): boolean {
  try {
    execFileSync('/usr/bin/python3', ['-c', `import ${module}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

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

/** Runs a command to its end and reports how it ended, failing or not. */
export function runStatus(command: string, args: readonly string[]): Promise<CommandStatus> {
  return new Promise((done) => {
    execFile(command, [...args], { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

export interface CommandStatus {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** SHA-256 of a file, streamed (qemu's raw copies of an image can be large). */
export async function sha256Stream(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * qemu-img's view of an image's content: `qemu-img convert -O raw` into `scratch` (over qemu's own virtual size,
 * which for some creators comes from the geometry), hashed, removed. qemu's vpc driver ignores a differencing
 * disk's parent: for a child this is the child's own layer over zeros.
 */
export async function qemuContentHash(path: string, scratch: string, format = 'vpc'): Promise<string> {
  const out = join(scratch, `qemu-${process.pid}-${randomBytes(4).toString('hex')}.raw`);
  try {
    // -t unsafe: the copy is thrown away, so it is never flushed (a flush per read would dominate the run time).
    await run('qemu-img', ['convert', '-t', 'unsafe', '-f', format, '-O', 'raw', path, out]);
    return await sha256Stream(out);
  } finally {
    await rm(out, { force: true });
  }
}

/**
 * qemu-img's content hash of a VHDX as qemu-img sees it after its own log replay: it refuses to read a live log,
 * so a copy is replayed (`check -r all`), checked clean, and read.
 */
export async function qemuReplayedVhdxHash(path: string, scratch: string): Promise<string> {
  const copy = join(scratch, `qemu-${process.pid}-${randomBytes(4).toString('hex')}.vhdx`);
  try {
    await copyFile(path, copy);
    await run('qemu-img', ['check', '-q', '-r', 'all', '-f', 'vhdx', copy]);
    const problems = await qemuCheckProblems(copy, 'vhdx');
    if (problems) throw new Error(`${path} after qemu-img's replay: ${problems}`);
    return await qemuContentHash(copy, scratch, 'vhdx');
  } finally {
    await rm(copy, { force: true });
  }
}

/**
 * What `qemu-img check` says is wrong with an image, or null when nothing is. qemu-img 7.2 has no check for vpc:
 * it opens the image (validating its footer, header and table size) and then exits 63, which counts as clean.
 */
export async function qemuCheckProblems(path: string, format = 'vpc'): Promise<string | null> {
  const { code, stdout, stderr } = await runStatus('qemu-img', ['check', '-f', format, path]);
  if (code === 0 || (code === 63 && /does not support checks/.test(stderr))) return null;
  return `qemu-img check exited ${code}: ${(stderr || stdout).trim()}`;
}

/** Runs qemu-io commands on an image; resolves how it ended (a refused lock is a result, not a throw). */
export function qemuIo(path: string, commands: readonly string[], format = 'vpc'): Promise<CommandStatus> {
  return runStatus('qemu-io', ['-f', format, ...commands.flatMap((c) => ['-c', c]), path]);
}

/** What qemu prints when another program holds an image it wants to write. */
export const QEMU_LOCK_REFUSED = /Failed to get "write" lock/;

// Follows a differencing chain as libvhdi's own tools do: the parent's file name in the child's folder, else the
// name the child records (Platter records an absolute path).
const PYVHDI_CHAIN_HASH = `
import pyvhdi, hashlib, sys, os
chain = []  # every file stays referenced: libvhdi reads a parent through the object set_parent was given
def open_chain(path):
    if len(chain) > 16: raise SystemExit('chain too deep at %s' % path)
    f = pyvhdi.file(); f.open(path); chain.append(f)
    if f.get_disk_type() == 4:
        name = f.get_parent_filename() or ''
        near = os.path.join(os.path.dirname(path), name.replace('\\\\', '/').split('/')[-1])
        f.set_parent(open_chain(near if os.path.isfile(near) else name))
    return f
f = open_chain(sys.argv[1]); h = hashlib.sha256(); off = 0
size = min(int(sys.argv[2]), f.get_media_size()) if len(sys.argv) > 2 else f.get_media_size()
while off < size:
    n = min(1 << 20, size - off); d = f.read_buffer_at_offset(n, off)
    if len(d) != n: raise SystemExit('short read at %d' % off)
    h.update(d); off += n
print(h.hexdigest())
`;

/**
 * SHA-256 of a VHD's content as libvhdi reads it, finding the parents of a differencing disk by itself; of at
 * most its first `length` bytes when given.
 */
export async function pyvhdiChainHash(path: string, length?: number): Promise<string> {
  const args = ['-c', PYVHDI_CHAIN_HASH, path, ...(length === undefined ? [] : [String(length)])];
  return (await run('/usr/bin/python3', args)).trim();
}

// libvmdk opens the descriptor, then the extent files it names beside it.
const PYVMDK_HASH = `
import pyvmdk, hashlib, sys
f = pyvmdk.handle(); f.open(sys.argv[1]); f.open_extent_data_files()
h = hashlib.sha256(); size = f.get_media_size(); off = 0
while off < size:
    n = min(1 << 20, size - off); d = f.read_buffer_at_offset(n, off)
    if len(d) != n: raise SystemExit('short read at %d' % off)
    h.update(d); off += n
print(size, h.hexdigest())
`;

/** A VMDK's virtual size and the SHA-256 of its content as libvmdk reads it. */
export async function pyvmdkHash(path: string): Promise<{ size: number; sha256: string }> {
  const [size, sha256] = (await run('/usr/bin/python3', ['-c', PYVMDK_HASH, path])).trim().split(' ');
  return { size: Number(size), sha256: sha256! };
}

// libqcow reads a backing chain only when told each parent; Platter's qcow2 outputs have none.
const PYQCOW_HASH = `
import pyqcow, hashlib, sys
f = pyqcow.file(); f.open(sys.argv[1]); h = hashlib.sha256(); size = f.get_media_size(); off = 0
while off < size:
    n = min(1 << 20, size - off); d = f.read_buffer_at_offset(n, off)
    if len(d) != n: raise SystemExit('short read at %d' % off)
    h.update(d); off += n
print(h.hexdigest())
`;

/** SHA-256 of a standalone qcow2 image's content as libqcow reads it (in 1 MiB pieces). */
export async function pyqcowHash(path: string): Promise<string> {
  return (await run('/usr/bin/python3', ['-c', PYQCOW_HASH, path])).trim();
}
