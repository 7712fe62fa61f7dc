// The app's settings: a small JSON file in the user-data folder. Unknown or invalid stored values fall back to
// the defaults one by one.
import * as v from 'valibot';
import { INVOKE_SCHEMAS } from '../../shared/ipc-schemas';
import type { Settings } from '../../shared/ipc-contract';
import { readJsonFile, serialQueue, writeJsonFile } from './json-file';

export const DEFAULT_SETTINGS: Settings = { theme: 'system', verifyAfterConvert: true, notifyWhenDone: true };

export interface SettingsStoreOptions {
  readonly file: string;
  readonly onChange?: (settings: Settings) => void;
}

export class SettingsStore {
  private current: Settings = DEFAULT_SETTINGS;
  private readonly write = serialQueue();

  private constructor(private readonly options: SettingsStoreOptions) {}

  static async load(options: SettingsStoreOptions): Promise<SettingsStore> {
    const store = new SettingsStore(options);
    const data = await readJsonFile(options.file);
    if (typeof data === 'object' && data !== null) {
      const fields = INVOKE_SCHEMAS['settings:set'].entries;
      let merged: Settings = { ...DEFAULT_SETTINGS };
      for (const [key, schema] of Object.entries(fields)) {
        const r = v.safeParse(schema, (data as Record<string, unknown>)[key]);
        if (r.success && r.output !== undefined) merged = { ...merged, [key]: r.output };
      }
      store.current = merged;
    }
    return store;
  }

  get(): Settings {
    return this.current;
  }

  async set(patch: Partial<Settings>): Promise<Settings> {
    this.current = { ...this.current, ...patch };
    const snapshot = this.current;
    await this.write(() => writeJsonFile(this.options.file, snapshot));
    this.options.onChange?.(snapshot);
    return snapshot;
  }
}
