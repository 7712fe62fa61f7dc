import { stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { PlatterError } from '../errors';

/** Where an in-place operation keeps its undo journal while it changes `image` (see ops/undo-journal.ts). */
export function journalPathFor(image: string): string {
  return join(dirname(image), `.${basename(image)}.platter-undo`);
}

export async function hasPendingJournal(image: string): Promise<boolean> {
  return stat(journalPathFor(image)).then(
    () => true,
    () => false,
  );
}

/** Refuses to read an image whose in-place change was interrupted: its content may be neither old nor new. */
export async function refuseIfInterrupted(image: string): Promise<void> {
  if (await hasPendingJournal(image)) {
    throw new PlatterError(
      'INTERRUPTED',
      `an earlier change to ${image} was interrupted before it finished`,
      'run `platter check --repair` on it (or the same command again) to roll the change back',
      { path: image },
    );
  }
}
