// The preload's own watch on drops: the files of every real drop on the window are reported to main (which then
// lets the page open them) before the page sees the drop. The preload listens on the window in the capture phase,
// registered before any page script runs, so its listener comes first; it reports only trusted events (a real
// drag by the user, never one a page script dispatched) and only files with a path on disk (not ones made in the
// page). The page cannot send this report itself: it has no ipcRenderer, and window.platter has no method for it.
import type { DroppedFile } from '../../shared/ipc-contract';

/** The part of a DOM DragEvent the watch reads. */
export interface DropEventLike {
  readonly isTrusted: boolean;
  readonly dataTransfer: { readonly files: ArrayLike<DroppedFile> } | null;
}

/** The part of the DOM window the watch uses. */
export interface DropTarget {
  addEventListener(type: 'drop', listener: (event: DropEventLike) => void, options: { capture: true }): void;
}

export function reportDrops(
  target: DropTarget,
  pathForFile: (file: DroppedFile) => string,
  report: (paths: string[]) => void,
): void {
  target.addEventListener(
    'drop',
    (event) => {
      if (!event.isTrusted || !event.dataTransfer) return;
      const paths = Array.from(event.dataTransfer.files, pathForFile).filter((path) => path !== '');
      if (paths.length > 0) report(paths);
    },
    { capture: true },
  );
}
