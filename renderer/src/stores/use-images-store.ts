// Opened images: each dropped or chosen file is detected first; a VHD or VHDX opens in the Image view, a raw disk
// opens the Convert wizard (several raw disks queue for it). Failures to open are kept per file so Home can say
// which file and why.
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { api, asIpcError, call } from '../api';
import { IMAGE_EXTENSIONS } from '../../../shared/ipc-contract';
import type { ImageDetails, IpcError } from '../../../shared/ipc-contract';
import { useAppStore } from './use-app-store';
import { useNavStore } from './use-nav-store';
import { useRecentStore } from './use-recent-store';

export interface OpenFailure {
  readonly path: string;
  readonly error: IpcError;
}

export const useImagesStore = defineStore('images', () => {
  const details = ref<Record<string, ImageDetails>>({});
  const loadErrors = ref<Record<string, IpcError>>({});
  const loading = ref<Record<string, boolean>>({});
  /** Images open in tabs, in the order opened. */
  const open = ref<string[]>([]);
  /** Raw disks waiting for the Convert wizard. */
  const rawQueue = ref<string[]>([]);
  const failures = ref<OpenFailure[]>([]);

  async function load(path: string): Promise<ImageDetails | null> {
    loading.value[path] = true;
    try {
      const info = await call(api().imageInfo({ path }));
      details.value[info.path] = info;
      delete loadErrors.value[path];
      return info;
    } catch (err) {
      loadErrors.value[path] = asIpcError(err);
      return null;
    } finally {
      loading.value[path] = false;
    }
  }

  function close(path: string): void {
    open.value = open.value.filter((p) => p !== path);
    const nav = useNavStore();
    if (nav.screen.name === 'image' && nav.screen.path === path) {
      const next = open.value[open.value.length - 1];
      if (next) nav.image(next);
      else nav.home();
    }
  }

  /** Opens each file: images into tabs (the last one shown), raw disks into the Convert queue. */
  async function openPaths(paths: readonly string[]): Promise<void> {
    failures.value = [];
    const nav = useNavStore();
    let shown: string | null = null;
    const raws: string[] = [];
    for (const path of paths) {
      try {
        const detected = await call(api().detectImage({ path }));
        // What the Image view cannot describe (a raw disk) goes to Convert, unless its name says VHD or VHDX: then it
        // is a damaged image, and reading it gives the engine's own error.
        if (!detected.describable && !IMAGE_EXTENSIONS.some((e) => path.toLowerCase().endsWith(e))) {
          raws.push(detected.path);
          continue;
        }
        const info = await load(detected.path);
        if (!info) {
          failures.value.push({ path, error: loadErrors.value[detected.path] ?? asIpcError('unreadable') });
          continue;
        }
        if (!open.value.includes(info.path)) open.value.push(info.path);
        shown = info.path;
        await useRecentStore().add(info.path);
      } catch (err) {
        failures.value.push({ path, error: asIpcError(err) });
      }
    }
    rawQueue.value.push(...raws.filter((r) => !rawQueue.value.includes(r)));
    if (shown) nav.image(shown);
    else if (raws.length > 0) nextRaw();
  }

  /** The native Open dialog (several files at once), then openPaths. */
  async function openWithDialog(): Promise<void> {
    try {
      const { paths } = await call(api().showOpenDialog({ purpose: 'image', multiple: true }));
      if (paths.length > 0) await openPaths(paths);
    } catch (err) {
      useAppStore().report(err);
    }
  }

  /** Opens the Convert wizard for the next queued raw disk; false when none is left. */
  function nextRaw(): boolean {
    const next = rawQueue.value.shift();
    if (next === undefined) return false;
    useNavStore().wizard('convert', { path: next });
    return true;
  }

  return { details, loadErrors, loading, open, rawQueue, failures, load, close, openPaths, openWithDialog, nextRaw };
});
