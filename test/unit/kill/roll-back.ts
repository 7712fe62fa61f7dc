// The next Platter open of an image whose change was killed: any path that opens it must roll the change back.
// Kill points take turns between the command line (`platter info`) and the engine in-process (hashImage).
import { hashImage } from '../../../electron/engine/ops/hash';
import { platter } from '../../helpers/cli';

const OPENERS = [
  {
    name: '`platter info`',
    async open(path: string): Promise<void> {
      const { code, stderr } = await platter('info', path);
      if (code !== 0) throw new Error(`exited ${code}: ${stderr.trim()}`);
    },
  },
  { name: 'hashImage', open: async (path: string) => void (await hashImage(path)) },
];

/** Opens `path` the `turn`th way; returns what went wrong, or null. */
export async function rollBackByOpening(path: string, turn: number): Promise<string | null> {
  const opener = OPENERS[turn % OPENERS.length]!;
  try {
    await opener.open(path);
    return null;
  } catch (err) {
    return `the next open (${opener.name}) failed: ${(err as Error).message}`;
  }
}
