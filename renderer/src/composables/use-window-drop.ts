// A file dropped anywhere on the window opens (an image in a tab, a raw disk in Convert), not only on Home's drop
// zone. The page only asks for the dropped files' paths: the preload has already reported the drop to main, which
// is what lets the page open them (a drop the page made up opens nothing). Returns whether files are dragged over
// the window, for the veil that says so.
import { onBeforeUnmount, onMounted, ref } from 'vue';
import type { Ref } from 'vue';
import { api } from '../api';
import { useAppStore } from '../stores/use-app-store';
import { useImagesStore } from '../stores/use-images-store';

const carriesFiles = (event: DragEvent) => event.dataTransfer?.types.includes('Files') ?? false;

export function useWindowDrop(enabled: boolean): Ref<boolean> {
  const dragging = ref(false);
  // dragenter and dragleave come in pairs for every element crossed: the window is left when they balance.
  let depth = 0;

  function onDragEnter(event: DragEvent): void {
    if (!carriesFiles(event)) return;
    depth++;
    dragging.value = true;
  }
  function onDragOver(event: DragEvent): void {
    // Without this the window refuses the drop.
    if (carriesFiles(event)) event.preventDefault();
  }
  function onDragLeave(): void {
    depth = Math.max(0, depth - 1);
    if (depth === 0) dragging.value = false;
  }
  function onDrop(event: DragEvent): void {
    event.preventDefault();
    depth = 0;
    dragging.value = false;
    if (!enabled) return;
    const paths: string[] = [];
    const unresolved: string[] = [];
    for (const file of event.dataTransfer?.files ?? []) {
      const path = api().pathForFile(file);
      if (path) paths.push(path);
      else unresolved.push(file.name);
    }
    useAppStore().unresolvedDrops = unresolved;
    if (paths.length > 0) void useImagesStore().openPaths(paths);
  }

  const listeners = [
    ['dragenter', onDragEnter],
    ['dragover', onDragOver],
    ['dragleave', onDragLeave],
    ['drop', onDrop],
  ] as const;
  onMounted(() => {
    for (const [type, listener] of listeners) window.addEventListener(type, listener);
  });
  onBeforeUnmount(() => {
    for (const [type, listener] of listeners) window.removeEventListener(type, listener);
  });
  return dragging;
}
