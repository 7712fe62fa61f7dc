// Which screen shows: Home, an image, a wizard (with what it was opened with), or About. No router: a desktop app has
// one window and a handful of places.
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { PresetName } from '../../../shared/ipc-contract';
import { useImagesStore } from './use-images-store';

export type WizardKind = 'create' | 'convert' | 'compact' | 'check' | 'resize' | 'merge';

export interface WizardParams {
  /** Convert: the source; Create: the parent of a child; the others: the image they work on. */
  readonly path?: string;
  readonly preset?: PresetName;
}

export type Screen =
  | { readonly name: 'home' }
  | { readonly name: 'image'; readonly path: string }
  | { readonly name: 'wizard'; readonly wizard: WizardKind; readonly params: WizardParams; readonly key: number }
  | { readonly name: 'about' };

export const useNavStore = defineStore('nav', () => {
  const screen = ref<Screen>({ name: 'home' });
  const jobsOpen = ref(true);
  let key = 0;

  function home(): void {
    screen.value = { name: 'home' };
  }
  function image(path: string): void {
    screen.value = { name: 'image', path };
  }
  function wizard(kind: WizardKind, params: WizardParams = {}): void {
    screen.value = { name: 'wizard', wizard: kind, params, key: ++key };
  }
  /** Leaves a wizard for the image it was opened on, when that image is open (a tab); otherwise for Home. */
  function closeWizard(): void {
    const path = screen.value.name === 'wizard' ? screen.value.params.path : undefined;
    if (path !== undefined && useImagesStore().open.includes(path)) image(path);
    else home();
  }
  function about(): void {
    screen.value = { name: 'about' };
  }
  function toggleJobs(): void {
    jobsOpen.value = !jobsOpen.value;
  }

  return { screen, jobsOpen, home, image, wizard, closeWizard, about, toggleJobs };
});
