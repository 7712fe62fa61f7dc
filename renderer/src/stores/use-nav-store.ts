// Which screen shows: Home, an image, a wizard (with what it was opened with), Preferences or About. No router: a
// desktop app has one window and a handful of places. A wizard remembers the control that opened it, and the focus
// goes back there when it closes.
import { defineStore } from 'pinia';
import { nextTick, ref } from 'vue';
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
  | { readonly name: 'about' }
  | { readonly name: 'preferences' };

/** How the control that opened a wizard is found again once the screen under it is back (it may be re-made). */
function describeInvoker(el: Element | null): string | null {
  if (!(el instanceof HTMLElement) || el === document.body) return null;
  const id = el.dataset.testid;
  return id ? `[data-testid="${CSS.escape(id)}"]` : el.id ? `#${CSS.escape(el.id)}` : null;
}

/** Focuses what matches `selector` once it is on the page (an image view may still be loading): a few frames. */
async function refocus(selector: string): Promise<void> {
  await nextTick();
  for (let frame = 0; frame < 120; frame++) {
    const el = document.querySelector<HTMLElement>(selector);
    if (el) {
      el.focus();
      return;
    }
    await new Promise((done) => requestAnimationFrame(done));
  }
}

export const useNavStore = defineStore('nav', () => {
  const screen = ref<Screen>({ name: 'home' });
  const jobsOpen = ref(true);
  let key = 0;
  let invoker: string | null = null;

  function home(): void {
    screen.value = { name: 'home' };
  }
  function image(path: string): void {
    screen.value = { name: 'image', path };
  }
  function wizard(kind: WizardKind, params: WizardParams = {}): void {
    if (screen.value.name !== 'wizard') invoker = describeInvoker(document.activeElement);
    screen.value = { name: 'wizard', wizard: kind, params, key: ++key };
  }
  /** Leaves a wizard for the image it was opened on, when that image is open (a tab); otherwise for Home. */
  function closeWizard(): void {
    const path = screen.value.name === 'wizard' ? screen.value.params.path : undefined;
    if (path !== undefined && useImagesStore().open.includes(path)) image(path);
    else home();
    const back = invoker;
    invoker = null;
    if (back !== null) void refocus(back);
  }
  function about(): void {
    screen.value = { name: 'about' };
  }
  function preferences(): void {
    screen.value = { name: 'preferences' };
  }
  function toggleJobs(): void {
    jobsOpen.value = !jobsOpen.value;
  }

  return { screen, jobsOpen, home, image, wizard, closeWizard, about, preferences, toggleJobs };
});
