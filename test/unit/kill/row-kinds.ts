// The two shapes most rows take: an operation that writes a new file, and one that changes an image in place.
import { stat, unlink } from 'node:fs/promises';
import { convertImage } from '../../../electron/engine/ops/convert';
import type { KillRow, KillSetup } from './harness';

export const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

/** An operation writing a new file from `source`: after a kill the output is absent, or complete and valid. */
export function outputRow(
  name: string,
  minKills: number,
  make: (dir: string) => Promise<{ source: string; output: string; args: string[]; expected: string; keep: string[] }>,
): KillRow {
  return {
    name,
    minKills,
    async setup(dir): Promise<KillSetup> {
      const { source, output, args, expected, keep } = await make(dir);
      return {
        args,
        watched: [{ path: output, format: output.endsWith('.vhd') ? 'vhd' : output.endsWith('.ova') ? 'ova' : 'raw' }],
        sources: [source],
        products: [source, output, ...keep],
        rerun: async () => {
          if (await exists(output)) await unlink(output);
          await convertImage({ input: source, output });
        },
        expected: { [output]: expected },
      };
    },
  };
}

/** An operation changing one image in place (a differencing child is read through its parent). */
export function inPlaceRow(
  name: string,
  minKills: number,
  make: (dir: string) => Promise<{
    image: string;
    args: string[];
    keep: string[];
    rerun: () => Promise<unknown>;
    expected?: string;
  }>,
): KillRow {
  return {
    name,
    minKills,
    async setup(dir): Promise<KillSetup> {
      const { image, args, keep, rerun, expected } = await make(dir);
      return {
        args,
        watched: [{ path: image, format: 'vhd' }],
        sources: [],
        products: [image, ...keep],
        rerun: async () => void (await rerun()),
        ...(expected !== undefined && { expected: { [image]: expected } }),
      };
    },
  };
}
