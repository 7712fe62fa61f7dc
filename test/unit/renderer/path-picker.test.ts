// The path field of the wizards: main lets the page touch only files the user chose, so the field shows a path
// and cannot be typed into; Browse… opens the native dialog (starting at the current path when saving) and takes
// what the user picked, and a cancelled dialog changes nothing. A save path that exists is said at once, with the
// first free name beside it.
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { defineComponent, h, ref } from 'vue';
import { setApi } from '../../../renderer/src/api';
import PathPicker from '../../../renderer/src/components/PathPicker.vue';
import { createAppI18n } from '../../../renderer/src/i18n';
import { fakeApi, ok } from './fake-api';
import type { FakeApi } from './fake-api';

let fake: FakeApi;
beforeEach(() => {
  setActivePinia(createPinia());
  fake = fakeApi();
  setApi(fake.api);
});

function mountPicker(mode: 'open' | 'save', start: string, extra: Record<string, string> = {}) {
  const model = ref(start);
  const Host = defineComponent(
    () => () =>
      h(PathPicker, {
        label: 'Where',
        mode,
        purpose: mode === 'open' ? 'source' : 'vhd',
        testId: 'where',
        ...extra,
        modelValue: model.value,
        'onUpdate:modelValue': (value: string) => (model.value = value),
      }),
  );
  const wrapper = mount(Host, { global: { plugins: [createAppI18n()] } });
  return { wrapper, model };
}

describe('PathPicker', () => {
  it('shows the path read-only, and starts on Browse… while nothing is chosen', () => {
    const { wrapper } = mountPicker('save', '');
    const input = wrapper.get('[data-testid="where"]');
    expect(input.attributes('readonly')).toBeDefined();
    expect(wrapper.get('[data-testid="where-choose"]').attributes('data-autofocus')).toBeDefined();
    const filled = mountPicker('save', '/d/disk-converted.vhd').wrapper;
    expect(filled.get<HTMLInputElement>('[data-testid="where"]').element.value).toBe('/d/disk-converted.vhd');
    expect(filled.get('[data-testid="where-choose"]').attributes('data-autofocus')).toBeUndefined();
  });

  it('takes the file chosen in the open dialog; a cancelled dialog changes nothing', async () => {
    const { wrapper, model } = mountPicker('open', '');
    const answers = [['/home/u/disk.img'], []];
    fake.answer('showOpenDialog', () => ok({ paths: answers.shift() ?? [] }));
    await wrapper.get('[data-testid="where-choose"]').trigger('click');
    await flushPromises();
    expect(model.value).toBe('/home/u/disk.img');
    await wrapper.get('[data-testid="where-choose"]').trigger('click');
    await flushPromises();
    expect(model.value).toBe('/home/u/disk.img');
    expect(fake.calls).toEqual([
      { method: 'showOpenDialog', request: { purpose: 'source' } },
      { method: 'showOpenDialog', request: { purpose: 'source' } },
    ]);
  });

  it('starts the save dialog at the suggested path and takes where the user saved', async () => {
    const { wrapper, model } = mountPicker('save', '/d/disk-converted.vhd');
    fake.answer('fileExists', () => ok({ exists: false }));
    fake.answer('showSaveDialog', () => ok({ path: '/e/elsewhere.vhd' }));
    await wrapper.get('[data-testid="where-choose"]').trigger('click');
    await flushPromises();
    expect(fake.calls.filter((c) => c.method === 'showSaveDialog')).toEqual([
      { method: 'showSaveDialog', request: { purpose: 'vhd', defaultPath: '/d/disk-converted.vhd' } },
    ]);
    expect(model.value).toBe('/e/elsewhere.vhd');
  });

  it('with nothing chosen yet, starts the save dialog at the suggested name in the source folder', async () => {
    const { wrapper } = mountPicker('save', '', { defaultName: 'disk.vhd', near: '/src/disk.img' });
    fake.answer('showSaveDialog', () => ok({ path: null }));
    await wrapper.get('[data-testid="where-choose"]').trigger('click');
    await flushPromises();
    expect(fake.calls).toEqual([
      { method: 'showSaveDialog', request: { purpose: 'vhd', defaultPath: '/src/disk.vhd' } },
    ]);
  });

  it('says when the save path exists, and offers the first free name beside it', async () => {
    const taken = new Set(['/d/disk.vhd', '/d/disk (2).vhd']);
    fake.answer('fileExists', (request) => ok({ exists: taken.has((request as { path: string }).path) }));
    const { wrapper, model } = mountPicker('save', '/d/disk.vhd', { near: '/d/disk.img' });
    await flushPromises();
    expect(wrapper.get('[data-testid="where-exists"]').text()).toContain('disk.vhd already exists');
    expect(fake.calls[0]).toEqual({ method: 'fileExists', request: { path: '/d/disk.vhd', source: '/d/disk.img' } });
    await wrapper.get('[data-testid="where-new-name"]').trigger('click');
    await flushPromises();
    expect(model.value).toBe('/d/disk (3).vhd');
    expect(wrapper.find('[data-testid="where-exists"]').exists()).toBe(false);
  });
});
