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

  it('the dry run reports each partition: what is reclaimable, what shares a block, what is kept whole and why', async () => {
    const path = '/d/ext4.vhdx';
    useImagesStore().details[path] = details(path, 'vhdx', 'dynamic', true);
    const wizard = render(path);
    await flushPromises();
    const volume = { start: MiB, size: 100 * MiB, label: null, freeBytes: 0, reclaimableBytes: 0, sharedBytes: 0 };
    const jobs = useJobsStore();
    jobs.added({ id: 'j1', op: 'compact', request: started[0], state: 'queued' } as never);
    jobs.done({
      jobId: 'j1',
      state: 'succeeded',
      error: null,
      finishedAt: 1,
      result: {
        dryRun: true,
        zerosOnly: false,
        blocksBefore: 3,
        blocksAfter: 1,
        reclaimedBytes: 64 * MiB,
        zeroBytes: 32 * MiB,
        freeSpaceBytes: 32 * MiB,
        outsidePartitionsBytes: 0,
        volumes: [
          {
            ...volume,
            partition: 1,
            fileSystem: 'ext4',
            label: 'root',
            keptWhole: false,
            reason: null,
            freeBytes: 40 * MiB,
            reclaimableBytes: 32 * MiB,
            sharedBytes: 8 * MiB,
          },
          {
            ...volume,
            partition: 2,
            fileSystem: 'ntfs',
            keptWhole: true,
            reason: 'its NTFS is hibernated: shut Windows down fully',
          },
        ],
      },
    } as never);
    await flushPromises();
    const rows = wizard.findAll('[data-testid="compact-volume"]');
    const cells = rows.map((r) => r.findAll('td').map((c) => c.text()));
    expect(cells).toEqual([
      ['#1', 'ext4 “root”', '32 MiB', '8 MiB'],
      ['#2', 'ntfs', 'Kept whole: its NTFS is hibernated: shut Windows down fully'],
    ]);
    expect(wizard.get('[data-testid="compact-volumes"]').text()).toContain('in space no file system uses');
    wizard.unmount();
  });
});
