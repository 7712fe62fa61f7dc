import { createHash } from 'node:crypto';
import { realpath } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { PlatterError } from '../errors';
import { alignUp } from '../format/fields';
import { DEFAULT_BLOCK_SIZE } from '../format/dynamic-header';
import type { DiskType } from '../format/footer';
import type { DiskImage } from '../image/disk-image';
import { openImage } from '../image/open-image';
import { RandomAccessFile } from '../image/random-access-file';
import { RawImage } from '../image/raw-image';
import { checkBlockSize } from './create';
import { hashDisk } from './hash';
import { checkVirtualSize, newDynamicHeader, newFooter } from './new-vhd';
import { modeFrom, writeNewFile } from './output-file';
import { presetNamed } from './presets';
import type { PresetName } from './presets';
import type { JobControl } from './progress';
import { DEFAULT_VHDX_BLOCK_SIZE, VhdxWriter, checkVhdxLayout } from './vhdx-writer';
import type { VhdxLayout } from './vhdx-writer';
import { writeBlockContent, writeDynamicContent, writeFlatContent } from './write-content';

export type OutputFormat = 'vhd' | 'vhdx' | 'raw';

export interface ConvertOptions {
  readonly input: string;
  readonly output: string;
  readonly format?: OutputFormat;
  readonly type?: 'fixed' | 'dynamic';
  readonly blockSize?: number;
  readonly preset?: PresetName;
  /** Write every byte, zeros included (no holes). */
  readonly preallocate?: boolean;
  /** Read the output back and compare its content hash with the source's. */
  readonly verify?: boolean;
  /** Copy a source another program is writing anyway (qemu-img's --force-share): the copy may be inconsistent. */
  readonly forceShare?: boolean;
  /** VHDX only: the sector size the guest sees (default 512) and the one it is told the disk has (default 4096). */
  readonly logicalSectorSize?: 512 | 4096;
  readonly physicalSectorSize?: 512 | 4096;
  /** The most permission bits the output may have (it never has bits the source lacks). */
  readonly outputMode?: number;
}

export interface ConvertResult {
  readonly output: string;
  readonly format: OutputFormat;
  readonly diskType: DiskType | null;
  readonly blockSize: number | null;
  readonly virtualSize: number;
  readonly sourceSize: number;
  /** Zeros added to a raw source to reach a whole sector. */
  readonly paddedBytes: number;
  /** Zeros added at the end by the preset's size rounding. */
  readonly roundedBytes: number;
  readonly fileSize: number;
  /** Present with `verify`: the content hash both sides share. */
  readonly verifiedSha256: string | null;
}

const RAW_EXTENSIONS = new Set(['.img', '.raw', '.bin', '.dd', '.iso']);

export function outputFormatFor(path: string, format?: OutputFormat): OutputFormat {
  if (format) return format;
  const ext = extname(path).toLowerCase();
  if (ext === '.vhd') return 'vhd';
  if (ext === '.vhdx') return 'vhdx';
  if (RAW_EXTENSIONS.has(ext)) return 'raw';
  throw new PlatterError(
    'BAD_ARGUMENT',
    `cannot tell the output format from the name ${path}`,
    'name it .vhd, .vhdx, .img or .raw, or give --format vhd|vhdx|raw',
  );
}

async function sameFile(a: string, b: string): Promise<boolean> {
  const real = async (p: string) => realpath(p).catch(() => resolve(p));
  return (await real(a)) === (await real(b));
}

/** Converts any readable image (raw, VHD of any type through its chain, VHDX) to raw or a standalone VHD. */
export async function convertImage(options: ConvertOptions, control: JobControl = {}): Promise<ConvertResult> {
  const preset = options.preset ? presetNamed(options.preset) : null;
  const format = outputFormatFor(options.output, options.format ?? (preset ? 'vhd' : undefined));
  if (preset && format !== 'vhd')
    throw new PlatterError(
      'BAD_ARGUMENT',
      `the ${preset.name} preset makes a VHD, not ${format}`,
      'leave out --format or name the output .vhd',
    );
  if (await sameFile(options.input, options.output)) {
    throw new PlatterError(
      'BAD_ARGUMENT',
      'the output is the same file as the input',
      'choose another output name; the source is never overwritten',
    );
  }
  const type = options.type ?? preset?.type ?? 'dynamic';
  if ((options.logicalSectorSize ?? options.physicalSectorSize) !== undefined && format !== 'vhdx')
    throw new PlatterError(
      'BAD_ARGUMENT',
      'only a VHDX records sector sizes',
      'leave out --logical-sector and --physical-sector, or convert to .vhdx',
    );
  if (format === 'vhdx') {
    if (options.preallocate)
      throw new PlatterError(
        'BAD_ARGUMENT',
        '--preallocate applies to fixed VHD and raw outputs',
        'leave out --preallocate (a fixed VHDX holds every block already)',
      );
  } else if (format === 'vhd' && type === 'dynamic') {
    checkBlockSize(options.blockSize ?? preset?.blockSize ?? DEFAULT_BLOCK_SIZE);
    if (options.preallocate)
      throw new PlatterError(
        'BAD_ARGUMENT',
        '--preallocate applies to fixed VHD and raw outputs',
        'use --type fixed, or leave out --preallocate',
      );
  } else if (options.blockSize !== undefined) {
    throw new PlatterError(
      'BAD_ARGUMENT',
      `a ${format === 'raw' ? 'raw image' : 'fixed VHD'} has no block size`,
      'leave out --block-size, or convert to a dynamic VHD',
    );
  }
  const source = await openImage(options.input, { allowRaw: true, consistent: !options.forceShare });
  try {
    return await convertOpened(source, options, format, type, control);
  } finally {
    await source.close();
  }
}

async function convertOpened(
  source: DiskImage,
  options: ConvertOptions,
  format: OutputFormat,
  type: 'fixed' | 'dynamic',
  control: JobControl,
): Promise<ConvertResult> {
  const preset = options.preset ? presetNamed(options.preset) : null;
  const sourceSize = source.virtualSize;
  const logicalSectorSize = options.logicalSectorSize ?? 512;
  const virtualSize = preset
    ? preset.roundSize(sourceSize)
    : format === 'vhdx'
      ? alignUp(sourceSize, logicalSectorSize)
      : sourceSize;
  if (format === 'vhd') {
    if (preset && virtualSize > preset.maxSize)
      throw new PlatterError(
        'BAD_SIZE',
        `the disk is ${virtualSize} bytes, more than ${preset.name} accepts`,
        'use a smaller disk',
      );
    if (!preset || preset.maxSize <= 2040 * 1024 ** 3) checkVirtualSize(virtualSize);
  }
  const blockSize =
    format === 'vhdx'
      ? (options.blockSize ?? DEFAULT_VHDX_BLOCK_SIZE)
      : format === 'vhd' && type === 'dynamic'
        ? (options.blockSize ?? preset?.blockSize ?? DEFAULT_BLOCK_SIZE)
        : null;
  const vhdx: VhdxLayout | null =
    format === 'vhdx'
      ? {
          virtualSize,
          type,
          blockSize: blockSize!,
          logicalSectorSize,
          physicalSectorSize: options.physicalSectorSize ?? 4096,
        }
      : null;
  if (vhdx) checkVhdxLayout(vhdx); // before anything is written
  const hash = options.verify ? createHash('sha256') : undefined;
  const pump = { ...control, phase: 'converting', preallocate: options.preallocate ?? false, ...(hash && { hash }) };
  let fileSize = 0;
  let diskType: DiskType | null = null;
  let verifiedSha256: string | null = null;
  const mode = await modeFrom([source.path], options.outputMode);
  await writeNewFile(
    options.output,
    control.signal,
    async (file: RandomAccessFile) => {
      if (vhdx) {
        diskType = type;
        fileSize = await writeBlockContent(source, new VhdxWriter(file, vhdx), pump);
      } else if (format === 'raw') {
        fileSize = await writeFlatContent(file, source, virtualSize, null, pump);
      } else if (blockSize === null) {
        diskType = 'fixed';
        fileSize = await writeFlatContent(file, source, virtualSize, newFooter(virtualSize, 'fixed'), pump);
      } else {
        diskType = 'dynamic';
        const footer = newFooter(virtualSize, 'dynamic');
        fileSize = await writeDynamicContent(file, source, footer, newDynamicHeader(virtualSize, blockSize), pump);
      }
      // Verified before it is moved into place: a cancel or a mismatch leaves no output behind.
      if (hash) {
        hash.update(new Uint8Array(virtualSize - sourceSize));
        verifiedSha256 = await verifyOutput(file.path, format, hash.digest('hex'), control);
      }
    },
    { mode },
  );
  return {
    output: resolve(options.output),
    format,
    diskType,
    blockSize,
    virtualSize,
    sourceSize: source instanceof RawImage ? sourceSize - source.paddedBytes : sourceSize,
    paddedBytes: source instanceof RawImage ? source.paddedBytes : 0,
    roundedBytes: virtualSize - sourceSize,
    fileSize,
    verifiedSha256,
  };
}

/** Reads the written output back and compares its content hash with the source's. */
async function verifyOutput(
  path: string,
  format: OutputFormat,
  expected: string,
  control: JobControl,
): Promise<string> {
  const image = format === 'raw' ? new RawImage(await RandomAccessFile.open(path)) : await openImage(path);
  let actual: string;
  try {
    actual = await hashDisk(image, { ...control, phase: 'verifying' });
  } finally {
    await image.close();
  }
  if (actual !== expected) {
    throw new PlatterError(
      'VERIFY_FAILED',
      `the output read back differs from the source (SHA-256 ${actual}, expected ${expected})`,
      'nothing was kept; check the disk and memory, then convert again',
    );
  }
  return actual;
}
