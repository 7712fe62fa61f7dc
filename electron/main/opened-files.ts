// Files opened from outside (argv, second instance, macOS open-file, the File menu) reach the renderer as
// `app:open-file` events; those that arrive before the renderer is listening wait until it asks for them
// (`app:take-opened-files`), so none is lost at start-up. Each is granted: the user opened it.
import type { Events } from '../../shared/ipc-contract';
import type { EventSink } from './event-bus';
import type { PathGrants } from './path-grants';

type Source = Events['app:open-file']['source'];

export class OpenedFiles {
  private pending: string[] = [];
  private ready = false;

  constructor(
    private readonly events: EventSink,
    private readonly grants: PathGrants,
  ) {}

  add(paths: readonly string[], source: Source): void {
    this.grants.grant(paths);
    for (const path of paths) {
      if (this.ready) this.events.emit('app:open-file', { path, source });
      else if (!this.pending.includes(path)) this.pending.push(path);
    }
  }

  /** The renderer is listening: hands over what waited, and sends the rest as events from now on. */
  take(): string[] {
    this.ready = true;
    return this.pending.splice(0);
  }

  /** The window is gone (or reloading): hold files until the next renderer asks. */
  notReady(): void {
    this.ready = false;
  }
}
