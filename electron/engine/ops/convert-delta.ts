import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { PlatterError } from '../errors';
import type { DiskImage } from '../image/disk-image';
import { openImage } from '../image/open-image';
import { childWriter, openParentOfChild } from './child-parent';
import { outputDriverFor } from './convert';
import type { OutputFormat } from './convert';
import { hashDisk } from './hash';
import { modeFrom, writeNewFile } from '../io/output-file';
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
  const children = childWriter(driver);
  const parent = await openParentOfChild(driver, options.parent, { consistent: !options.forceShare });
  let source: DiskImage | undefined;
  try {
    source = await openImage(options.input, { allowRaw: true, consistent: !options.forceShare });
    if (source.virtualSize !== parent.virtualSize) {
      throw new PlatterError(
        'BAD_SIZE',
        `${options.input} is ${source.virtualSize} bytes but the parent is ${parent.virtualSize}`,
        'a child has exactly its parent’s size; convert without --parent, or resize first',
      );
    }
    const layout = children.layout(parent, {
      ...(options.blockSize !== undefined && { blockSize: options.blockSize }),
    });
    const hash = options.verify ? createHash('sha256') : undefined;
    let fileSize = 0;
    let changedBlocks = 0;
    let verifiedSha256: string | null = null;
    const input = source;
    const mode = await modeFrom([source.path, parent.path], options.outputMode);
    const target = { childPath: options.output, parentPath: options.parent, parent };
    await writeNewFile(
      options.output,
      control.signal,
      async (file) => {
        ({ fileSize, changedBlocks } = await children.write(file, target, layout, input, {
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
      virtualSize: layout.virtualSize,
      blockSize: layout.blockSize,
      changedBlocks,
      totalBlocks: Math.ceil(layout.virtualSize / layout.blockSize),
      fileSize,
      verifiedSha256,
    };
  } finally {
    await source?.close();
    await parent.close();
  }
}
