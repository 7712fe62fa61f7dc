// App-wide state: what main says about itself (presets), the settings (theme), and the error list: every error
// from main that no view shows in place lands here, so nothing is silently ignored.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { api, asIpcError, call } from '../api';
import type { AppInfo, IpcError, Settings } from '../../../shared/ipc-contract';

export interface ShownError {
  readonly id: number;
  readonly error: IpcError;
}

export const useAppStore = defineStore('app', () => {
  const info = ref<AppInfo | null>(null);
  const settings = ref<Settings | null>(null);
  const errors = ref<ShownError[]>([]);
  /** Names of the last drop's files that have no path on disk (made in another app, not dropped from a folder). */
  const unresolvedDrops = ref<string[]>([]);
  let nextId = 1;

  const theme = computed(() => settings.value?.theme ?? 'system');
  const presets = computed(() => info.value?.presets ?? []);

  function report(err: unknown): void {
    errors.value.push({ id: nextId++, error: asIpcError(err) });
  }

  function dismiss(id: number): void {
    errors.value = errors.value.filter((e) => e.id !== id);
  }

  async function load(): Promise<void> {
    try {
      [info.value, settings.value] = await Promise.all([call(api().appInfo()), call(api().getSettings())]);
      api().onSettingsChanged((s) => (settings.value = s));
    } catch (err) {
      report(err);
    }
  }

  async function update(patch: Partial<Settings>): Promise<void> {
    try {
      settings.value = await call(api().setSettings(patch));
    } catch (err) {
      report(err);
    }
  }

  const setTheme = (theme: Settings['theme']) => update({ theme });

  return { info, settings, errors, unresolvedDrops, theme, presets, report, dismiss, load, update, setTheme };
});
