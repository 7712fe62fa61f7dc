import { stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

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
