// The app, recent and nav stores: settings and theme from main, every error kept until dismissed, the recent list
// following main's events, and wizard screens keyed so reopening starts fresh.
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { setApi } from '../../../renderer/src/api';
import { useAppStore } from '../../../renderer/src/stores/use-app-store';
import { useNavStore } from '../../../renderer/src/stores/use-nav-store';
import { useRecentStore } from '../../../renderer/src/stores/use-recent-store';
import type { AppInfo, RecentImage, Settings } from '../../../shared/ipc-contract';
import { fakeApi, ok } from './fake-api';
import type { FakeApi } from './fake-api';

const settings: Settings = { theme: 'system', verifyAfterConvert: true, notifyWhenDone: false };
const info: AppInfo = { name: 'Platter', version: '1', platform: 'linux', presets: [], sparseFiles: true };
const recentItem: RecentImage = { path: '/d/a.vhd', openedAt: 1, format: 'vhd', diskType: 'fixed', virtualSize: 5 };

let fake: FakeApi;
beforeEach(() => {
  setActivePinia(createPinia());
  fake = fakeApi();
  fake.answer('appInfo', () => ok(info));
  fake.answer('getSettings', () => ok(settings));
  setApi(fake.api);
});

describe('useAppStore', () => {
  it('loads info and settings, sets the theme through main, follows settings:changed', async () => {
    const app = useAppStore();
    await app.load();
    expect(app.theme).toBe('system');
    fake.answer('setSettings', (patch) => ok({ ...settings, ...(patch as Partial<Settings>) }));
    await app.setTheme('dark');
    expect(fake.calls.at(-1)).toEqual({ method: 'setSettings', request: { theme: 'dark' } });
    expect(app.theme).toBe('dark');
    fake.emit('settings:changed', { ...settings, theme: 'light' });
    expect(app.theme).toBe('light');
  });

  it('keeps every error until it is dismissed', async () => {
    const app = useAppStore();
    fake.answer('setSettings', () => ({ ok: false, error: { code: 'IO_ERROR', message: 'disk gone' } }));
    await app.setTheme('dark');
    app.report(new Error('boom'));
    expect(app.errors.map((e) => e.error.code)).toEqual(['IO_ERROR', 'INTERNAL']);
    app.dismiss(app.errors[0]!.id);
    expect(app.errors.map((e) => e.error.message)).toEqual(['boom']);
  });
});

describe('useRecentStore and useNavStore', () => {
  it('the recent list follows main', async () => {
    fake.answer('listRecent', () => ok([]));
    const recent = useRecentStore();
    await recent.load();
    fake.emit('recent:changed', [recentItem]);
    expect(recent.items).toEqual([recentItem]);
    fake.answer('clearRecent', () => ok([]));
    await recent.clear();
    expect(recent.items).toEqual([]);
  });

  it('each wizard opening gets a new key, so it starts from its first step', () => {
    const nav = useNavStore();
    nav.wizard('convert', { path: '/d/a.img', preset: 'azure' });
    const first = nav.screen;
    nav.wizard('convert', { path: '/d/a.img', preset: 'azure' });
    expect(nav.screen).toMatchObject({ name: 'wizard', wizard: 'convert', params: { preset: 'azure' } });
    expect(first.name === 'wizard' && nav.screen.name === 'wizard' && first.key !== nav.screen.key).toBe(true);
    nav.toggleJobs();
    expect(nav.jobsOpen).toBe(false);
  });
});
