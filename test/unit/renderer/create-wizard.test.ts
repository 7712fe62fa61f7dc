// The Create wizard offers VHDX beside VHD: each format's types, block sizes (the default preselected, the
// portable ones recommended) and, for VHDX only, sector sizes; the request carries exactly those, the save dialog
// is asked for that format and offers a name with its extension, and a preset decides them all.
import { flushPromises, mount } from '@vue/test-utils';
import type { VueWrapper } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { setApi } from '../../../renderer/src/api';
import { createAppI18n } from '../../../renderer/src/i18n';
import { useAppStore } from '../../../renderer/src/stores/use-app-store';
import { useJobsStore } from '../../../renderer/src/stores/use-jobs-store';
import CreateWizard from '../../../renderer/src/wizards/CreateWizard.vue';
import type { JobRequest } from '../../../shared/ipc-contract';
import { fakeApi, ok } from './fake-api';
import type { FakeApi } from './fake-api';
import { PRESETS } from './wizard-presets';

const MiB = 1024 * 1024;

let fake: FakeApi;
let started: JobRequest[];
beforeEach(async () => {
  setActivePinia(createPinia());
  fake = fakeApi();
  setApi(fake.api);
  started = [];
  fake.answer('listJobs', () => ok([]));
  fake.answer('startJob', (request) => {
    started.push(request as JobRequest);
    return ok({ jobId: 'j1' });
  });
  fake.answer('showSaveDialog', () => ok({ path: '/d/new.vhdx' }));
  await useJobsStore().load();
  useAppStore().info = { name: 'Platter', version: '1', platform: 'linux', presets: PRESETS, sparseFiles: true };
});

function render() {
  return mount(CreateWizard, { global: { plugins: [createAppI18n()] }, attachTo: document.body });
}

const field = (w: VueWrapper, id: string) => w.find(`[data-testid="${id}"]`);
const selected = (w: VueWrapper, id: string) => w.get<HTMLSelectElement>(`[data-testid="${id}"]`).element.value;
const optionTexts = (w: VueWrapper, id: string) =>
  w
    .get(`[data-testid="${id}"]`)
    .findAll('option')
    .map((o) => o.text());

async function next(w: VueWrapper): Promise<void> {
  await w.get('form').trigger('submit');
  await flushPromises();
}

describe('CreateWizard', () => {
  it('starts as a dynamic VHD with 2 MiB blocks and no sector sizes', () => {
    const wizard = render();
    expect(field(wizard, 'create-vhd').element).toMatchObject({ checked: true });
    expect(selected(wizard, 'create-block-size')).toBe(String(2 * MiB));
    expect(optionTexts(wizard, 'create-block-size').filter((t) => t.includes('recommended'))).toEqual([
      '512 KiB (recommended)',
      '2 MiB (recommended)',
    ]);
    expect(field(wizard, 'create-logical-sector').exists()).toBe(false);
    wizard.unmount();
  });

  it('makes a dynamic VHDX with 1 MiB blocks and 4096-byte sectors, saved as .vhdx', async () => {
    const wizard = render();
    await field(wizard, 'create-vhdx').setValue(true);
    expect(selected(wizard, 'create-block-size')).toBe(String(32 * MiB));
    const sizes = optionTexts(wizard, 'create-block-size');
    expect(sizes[0]).toBe('1 MiB (recommended)');
    expect(sizes.at(-1)).toBe('256 MiB');
    expect(selected(wizard, 'create-logical-sector')).toBe('512');
    expect(selected(wizard, 'create-physical-sector')).toBe('4096');
    await field(wizard, 'create-size').setValue('64M');
    await field(wizard, 'create-block-size').setValue(String(MiB));
    await field(wizard, 'create-logical-sector').setValue('4096');
    await next(wizard);

    await field(wizard, 'create-path-choose').trigger('click');
    await flushPromises();
    expect(fake.calls.find((c) => c.method === 'showSaveDialog')?.request).toEqual({
      purpose: 'vhdx',
      defaultPath: 'disk.vhdx',
    });
    await next(wizard);
    const summary = wizard.get('[data-testid="create-summary"]').text();
    expect(summary).toContain('VHDX');
    expect(summary).toContain('1 MiB');
    expect(wizard.get('[data-testid="create-summary-sectors"]').text()).toBe('sectors of 4096 bytes (4096 physical)');
    await next(wizard);
    expect(started).toEqual([
      {
        op: 'create',
        path: '/d/new.vhdx',
        size: 64 * MiB,
        format: 'vhdx',
        type: 'dynamic',
        blockSize: MiB,
        logicalSectorSize: 4096,
        physicalSectorSize: 4096,
      },
    ]);
    wizard.unmount();
  });

  it('a size that is not whole logical sectors is refused before it is asked', async () => {
    const wizard = render();
    await field(wizard, 'create-vhdx').setValue(true);
    await field(wizard, 'create-logical-sector').setValue('4096');
    await field(wizard, 'create-size').setValue('1536');
    expect(wizard.get('[data-testid="create-size-problem"]').text()).toBe(
      'Give a whole number of 4096-byte sectors, e.g. 4096.',
    );
    expect(field(wizard, 'wizard-next').attributes('disabled')).toBeDefined();
    wizard.unmount();
  });

  it('a fixed VHD takes preallocation and no block size; the request says so', async () => {
    fake.answer('showSaveDialog', () => ok({ path: '/d/fixed.vhd' }));
    const wizard = render();
    await field(wizard, 'create-fixed').setValue(true);
    expect(field(wizard, 'create-block-size').exists()).toBe(false);
    await field(wizard, 'create-preallocate').setValue(true);
    await field(wizard, 'create-size').setValue('16M');
    await next(wizard);
    await field(wizard, 'create-path-choose').trigger('click');
    await flushPromises();
    expect(fake.calls.find((c) => c.method === 'showSaveDialog')?.request).toEqual({
      purpose: 'vhd',
      defaultPath: 'disk.vhd',
    });
    await next(wizard);
    await next(wizard);
    expect(started).toEqual([
      { op: 'create', path: '/d/fixed.vhd', size: 16 * MiB, format: 'vhd', type: 'fixed', preallocate: true },
    ]);
    wizard.unmount();
  });

  it('a preset sets the format and its options, locked; a path named for the old format is chosen again', async () => {
    fake.answer('showSaveDialog', () => ok({ path: '/d/old.vhd' }));
    const wizard = render();
    await field(wizard, 'create-size').setValue('1G');
    await next(wizard);
    await field(wizard, 'create-path-choose').trigger('click');
    await flushPromises();
    expect(wizard.get<HTMLInputElement>('[data-testid="create-path"]').element.value).toBe('/d/old.vhd');
    await wizard.get('[data-testid="wizard-back"]').trigger('click');
    await flushPromises();

    expect(optionTexts(wizard, 'create-preset')).toContain('hyperv (VHDX) — Hyper-V: dynamic VHDX, 32 MiB blocks');
    await field(wizard, 'create-preset').setValue('wsl');
    const vhdx = field(wizard, 'create-vhdx').element as HTMLInputElement;
    expect(vhdx.checked).toBe(true);
    expect(vhdx.closest('fieldset')?.disabled).toBe(true);
    expect(selected(wizard, 'create-block-size')).toBe(String(MiB));
    expect(field(wizard, 'create-block-size').attributes('disabled')).toBeDefined();
    expect(selected(wizard, 'create-physical-sector')).toBe('4096');
    await next(wizard);
    expect(wizard.get<HTMLInputElement>('[data-testid="create-path"]').element.value).toBe('');
    wizard.unmount();
  });
});
