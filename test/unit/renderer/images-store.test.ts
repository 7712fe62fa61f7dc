// The images store: a dropped VHD opens in a tab, what the Image view cannot describe (a raw disk) opens Convert,
// a damaged .vhd and a missing file are reported per file.
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { setApi } from '../../../renderer/src/api';
import { useImagesStore } from '../../../renderer/src/stores/use-images-store';
import { useNavStore } from '../../../renderer/src/stores/use-nav-store';
import type { DetectResult, ImageDetails } from '../../../shared/ipc-contract';
import { fakeApi, ok } from './fake-api';
import type { FakeApi } from './fake-api';

type Detected = Pick<DetectResult, 'format' | 'describable'>;
const vhd: Detected = { format: 'vhd', describable: true };
const raw: Detected = { format: 'raw', describable: false };
const detections: Record<string, Detected> = {
  '/d/a.vhd': vhd,
  '/d/b.img': raw,
  '/d/c.iso': raw,
  '/d/notes.vhd': raw,
  // A VHDX someone named .img: the engine describes it, so it opens as the image it is.
  '/d/misnamed.img': { format: 'vhdx', describable: true },
};

let fake: FakeApi;
beforeEach(() => {
  setActivePinia(createPinia());
  fake = fakeApi();
  fake.answer('detectImage', (r) => {
    const { path } = r as { path: string };
    const detected = detections[path];
    return detected
      ? ok({ path, ...detected, fileSize: 10, contents: null })
      : { ok: false, error: { code: 'NOT_FOUND', message: `${path} does not exist`, remedy: 'check the path' } };
  });
  fake.answer('imageInfo', (r) => {
    const { path } = r as { path: string };
    if (path === '/d/notes.vhd') return { ok: false, error: { code: 'UNSUPPORTED', message: 'not a VHD' } };
    return ok({ path, format: 'vhd', diskType: 'dynamic' } as unknown as ImageDetails);
  });
  fake.answer('addRecent', () => ok([]));
  setApi(fake.api);
});

describe('useImagesStore.openPaths', () => {
  it('opens an image in a tab and records it in Recent', async () => {
    const images = useImagesStore();
    await images.openPaths(['/d/a.vhd']);
    expect(images.open).toEqual(['/d/a.vhd']);
    expect(useNavStore().screen).toEqual({ name: 'image', path: '/d/a.vhd' });
    expect(fake.calls.filter((c) => c.method === 'addRecent')).toEqual([
      { method: 'addRecent', request: { path: '/d/a.vhd' } },
    ]);
  });

  it('sends raw disks to Convert one at a time', async () => {
    const images = useImagesStore();
    await images.openPaths(['/d/b.img', '/d/c.iso']);
    const screen = useNavStore().screen;
    expect(screen).toMatchObject({ name: 'wizard', wizard: 'convert', params: { path: '/d/b.img' } });
    expect(images.rawQueue).toEqual(['/d/c.iso']);
    expect(images.nextRaw()).toBe(true);
    expect(useNavStore().screen).toMatchObject({ params: { path: '/d/c.iso' } });
    expect(images.nextRaw()).toBe(false);
  });

  it('opens what the engine describes, whatever its name', async () => {
    const images = useImagesStore();
    await images.openPaths(['/d/misnamed.img']);
    expect(images.open).toEqual(['/d/misnamed.img']);
    expect(images.rawQueue).toEqual([]);
  });

  it('reports a damaged .vhd and a missing file by name, and still opens the good one', async () => {
    const images = useImagesStore();
    await images.openPaths(['/d/notes.vhd', '/d/missing.vhd', '/d/a.vhd']);
    expect(images.failures.map((f) => [f.path, f.error.code])).toEqual([
      ['/d/notes.vhd', 'UNSUPPORTED'],
      ['/d/missing.vhd', 'NOT_FOUND'],
    ]);
    expect(images.open).toEqual(['/d/a.vhd']);
  });

  it('closing the shown tab shows the previous one, then Home', async () => {
    const images = useImagesStore();
    detections['/d/e.vhd'] = vhd;
    await images.openPaths(['/d/a.vhd', '/d/e.vhd']);
    images.close('/d/e.vhd');
    expect(useNavStore().screen).toEqual({ name: 'image', path: '/d/a.vhd' });
    images.close('/d/a.vhd');
    expect(useNavStore().screen).toEqual({ name: 'home' });
  });
});
