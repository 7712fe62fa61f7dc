// The recent images list (Home view, File > Recent): a small JSON file in the user-data folder, newest first.
import * as v from 'valibot';
import type { RecentImage } from '../../shared/image';
import { readJsonFile, serialQueue, writeJsonFile } from './json-file';

export const RECENT_LIMIT = 20;

const entrySchema = v.object({
  path: v.string(),
  openedAt: v.number(),
  format: v.picklist(['vhd', 'vhdx', 'vmdk', 'raw']),
  diskType: v.nullable(v.picklist(['fixed', 'dynamic', 'differencing'])),
  virtualSize: v.nullable(v.number()),
});

export interface RecentStoreOptions {
  readonly file: string;
  readonly limit?: number;
  readonly now?: () => number;
  /** Called with the new list after every change (the app rebuilds its Recent menu and tells the renderer). */
  readonly onChange?: (list: readonly RecentImage[]) => void;
  /** Called with each image recorded. */
  readonly onAdd?: (path: string) => void;
}

export class RecentStore {
  private entries: RecentImage[] = [];
  private readonly write = serialQueue();

  private constructor(private readonly options: RecentStoreOptions) {}

  static async load(options: RecentStoreOptions): Promise<RecentStore> {
    const store = new RecentStore(options);
    const data = await readJsonFile(options.file);
    if (Array.isArray(data)) {
      store.entries = data
        .flatMap((e) => {
          const r = v.safeParse(entrySchema, e);
          return r.success ? [r.output] : [];
        })
        .slice(0, options.limit ?? RECENT_LIMIT);
    }
    return store;
  }

  list(): RecentImage[] {
    return [...this.entries];
  }

  /** Puts the image first (once), stamped now. */
  add(entry: Omit<RecentImage, 'openedAt'>): Promise<RecentImage[]> {
    const now = (this.options.now ?? Date.now)();
    const rest = this.entries.filter((e) => e.path !== entry.path);
    this.options.onAdd?.(entry.path);
    return this.save([{ ...entry, openedAt: now }, ...rest].slice(0, this.options.limit ?? RECENT_LIMIT));
  }

  remove(path: string): Promise<RecentImage[]> {
    return this.save(this.entries.filter((e) => e.path !== path));
  }

  clear(): Promise<RecentImage[]> {
    return this.save([]);
  }

  private async save(entries: RecentImage[]): Promise<RecentImage[]> {
    this.entries = entries;
    const snapshot = this.list();
    await this.write(() => writeJsonFile(this.options.file, snapshot));
    this.options.onChange?.(snapshot);
    return snapshot;
  }
}
