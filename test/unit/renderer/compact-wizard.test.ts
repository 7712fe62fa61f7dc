// The Compact wizard asks the image's capabilities (the engine's driver decides): a dynamic VHDX is scanned for
// what compacting reclaims, and its copy keeps the .vhdx name; a fixed VHD says why it cannot be compacted.
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { setApi } from '../../../renderer/src/api';
import { createAppI18n } from '../../../renderer/src/i18n';
import { useImagesStore } from '../../../renderer/src/stores/use-images-store';
import { useJobsStore } from '../../../renderer/src/stores/use-jobs-store';
import CompactWizard from '../../../renderer/src/wizards/CompactWizard.vue';
import type { ImageCapabilities, ImageDetails, JobRequest } from '../../../shared/ipc-contract';
import { fakeApi, ok } from './fake-api';
import type { FakeApi } from './fake-api';

const MiB = 1024 * 1024;
const none: ImageCapabilities = {
  compact: false,
  resize: true,
  merge: false,
  setParent: false,
  createChild: false,
  repair: true,
};

/** The fields the wizard reads; the rest of the details do not matter here. */
function details(path: string, format: ImageDetails['format'], diskType: ImageDetails['diskType'], compact: boolean) {
  return {
    path,
    format,
    diskType,
    capabilities: { ...none, compact },
    blockSize: 32 * MiB,
    allocatedBlocks: 3,
    fileSize: 100 * MiB,
  } as unknown as ImageDetails;
}

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
    return ok({ jobId: `j${started.length}` });
  });
  await useJobsStore().load();
});

function render(path: string) {
  return mount(CompactWizard, { props: { path }, global: { plugins: [createAppI18n()] }, attachTo: document.body });
}

describe('CompactWizard', () => {
  it('a dynamic VHDX: the dry run starts, and the copy keeps its extension', async () => {
    const path = '/d/ext4.vhdx';
    useImagesStore().details[path] = details(path, 'vhdx', 'dynamic', true);
    const wizard = render(path);
    await flushPromises();
    expect(started).toEqual([{ op: 'compact', path, dryRun: true }]);
    expect(wizard.get('[data-testid="compact-estimate"]').text()).toContain('This image holds 3 blocks (96 MiB)');
    await wizard.get('form').trigger('submit');
    await flushPromises();
    await wizard.get('[data-testid="compact-copy"]').setValue(true);
    expect(wizard.get<HTMLInputElement>('[data-testid="compact-output"]').element.value).toBe('/d/ext4-compacted.vhdx');
    wizard.unmount();
  });

  it('a fixed VHD: no scan, Next stays off, and the wizard says why', async () => {
    const path = '/d/fixed.vhd';
    useImagesStore().details[path] = details(path, 'vhd', 'fixed', false);
    const wizard = render(path);
    await flushPromises();
    expect(started).toEqual([]);
    expect(wizard.get('[data-testid="compact-not-compactable"]').text()).toBe(
      'This VHD image cannot be compacted: it is a fixed disk.',
    );
    expect(wizard.get('[data-testid="wizard-next"]').attributes('disabled')).toBeDefined();
    wizard.unmount();
  });
});
