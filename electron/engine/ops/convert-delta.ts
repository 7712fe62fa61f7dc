import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { PlatterError } from '../errors';
import { DEFAULT_BLOCK_SIZE } from '../formats/vhd/dynamic-header';
import type { DiskImage } from '../image/disk-image';
import { openImage } from '../image/open-image';
import { VhdImage } from '../formats/vhd/vhd-image';
import { checkBlockSize } from '../formats/vhd/output';
import { outputDriverFor } from './convert';
import type { OutputFormat } from './convert';
import { writeDeltaContent } from './delta-content';
import { hashDisk } from './hash';
import { endOfTable, newDynamicHeader, newFooter } from '../formats/vhd/new-vhd';
import { modeFrom, writeNewFile } from '../io/output-file';
import { buildParentLink } from './parent-link';
import type { JobControl } from './progress';

export interface DeltaConvertOptions {
  readonly input: string;
  readonly output: string;
  readonly parent: string;
  /** The child's format; by default from the output's name. */
  readonly format?: OutputFormat;
  readonly blockSize?: number;
  readonly verify?: boolean;
  /** Read sources another program is writing anyway (see ConvertOptions). */
  readonly forceShare?: boolean;
  /** The most permission bits the child may have (it never has bits the input or the parent lack). */
  readonly outputMode?: number;
}

export interface DeltaConvertResult {
  readonly output: string;
  readonly parent: string;
  readonly virtualSize: number;
  readonly blockSize: number;
  readonly changedBlocks: number;
  readonly totalBlocks: number;
  readonly fileSize: number;
  readonly verifiedSha256: string | null;
}

/** Turns a modified copy of PARENT (raw, VHD or VHDX) into a differencing child holding only what changed. */
export async function convertToChild(
  options: DeltaConvertOptions,
  control: JobControl = {},
): Promise<DeltaConvertResult> {
  const driver = outputDriverFor(options.output, options.format);
  if (!driver.capabilities('differencing').createChild)
    throw new PlatterError(
      'UNSUPPORTED',
      `Platter does not write differencing ${driver.name} children yet`,
      'name the child .vhd (a VHD child of a VHD parent), or make it with Hyper-V (New-VHD -Differencing)',
    );
  const parent = await openImage(options.parent, { consistent: !options.forceShare });
  let source: DiskImage | undefined;
  try {
    if (!(parent instanceof VhdImage))
      throw new PlatterError('UNSUPPORTED', `${options.parent} is not a VHD`, 'a differencing VHD needs a VHD parent');
    source = await openImage(options.input, { allowRaw: true, consistent: !options.forceShare });
    if (source.virtualSize !== parent.virtualSize) {
      throw new PlatterError(
        'BAD_SIZE',
        `${options.input} is ${source.virtualSize} bytes but the parent is ${parent.virtualSize}`,
        'a child has exactly its parent’s size; convert without --parent, or resize first',
      );
    }
    const blockSize = options.blockSize ?? parent.structure.header?.blockSize ?? DEFAULT_BLOCK_SIZE;
    checkBlockSize(blockSize);
    const size = parent.virtualSize;
    const footer = newFooter(size, 'differencing');
    const bare = newDynamicHeader(size, blockSize);
    const link = await buildParentLink(options.output, options.parent, parent.structure.footer.uuid, endOfTable(bare));
    const header = { ...bare, ...link.header };
    const hash = options.verify ? createHash('sha256') : undefined;
    let fileSize = 0;
    let changedBlocks = 0;
    let verifiedSha256: string | null = null;
    const input = source;
    const mode = await modeFrom([source.path, parent.path], options.outputMode);
    await writeNewFile(
      options.output,
      control.signal,
      async (file) => {
        ({ fileSize, changedBlocks } = await writeDeltaContent(file, input, parent, footer, header, link, {
          ...control,
          ...(hash && { hash }),
        }));
        if (hash) {
          const expected = hash.digest('hex');
          const written = await openImage(file.path);
          try {
            verifiedSha256 = await hashDisk(written, { ...control, phase: 'verifying' });
          } finally {
            await written.close();
          }
          if (verifiedSha256 !== expected) {
            throw new PlatterError(
              'VERIFY_FAILED',
              `the child read back through its parent differs from ${options.input}`,
              'nothing was kept; check the disk and memory, then convert again',
            );
          }
        }
      },
      { mode },
    );
    return {
      output: resolve(options.output),
      parent: resolve(options.parent),
      virtualSize: size,
      blockSize,
      changedBlocks,
      totalBlocks: header.maxTableEntries,
      fileSize,
      verifiedSha256,
    };
  } finally {
    await source?.close();
    await parent.close();
  }
}
