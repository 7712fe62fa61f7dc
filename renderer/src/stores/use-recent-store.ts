// The recent images list, kept by main (and in the system's recent documents).
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { api, call } from '../api';
import type { RecentImage } from '../../../shared/ipc-contract';
import { useAppStore } from './use-app-store';

export const useRecentStore = defineStore('recent', () => {
  const items = ref<readonly RecentImage[]>([]);
  let subscribed = false;

  async function load(): Promise<void> {
    try {
      items.value = await call(api().listRecent());
      if (!subscribed) {
        subscribed = true;
        api().onRecentChanged((list) => (items.value = list));
      }
    } catch (err) {
      useAppStore().report(err);
    }
  }

  async function run(request: Promise<readonly RecentImage[]>): Promise<void> {
    try {
      items.value = await request;
    } catch (err) {
      useAppStore().report(err);
    }
  }

  const add = (path: string) => run(call(api().addRecent({ path })));
  const remove = (path: string) => run(call(api().removeRecent({ path })));
  const clear = () => run(call(api().clearRecent()));

  return { items, load, add, remove, clear };
});
