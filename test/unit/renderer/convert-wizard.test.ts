// The Convert wizard writes VHDX too: the format's own options, presets shown with their format (choosing one
// names the output for it), and "Open result" only for what the Image view describes.
import { flushPromises, mount } from '@vue/test-utils';
import type { VueWrapper } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { setApi } from '../../../renderer/src/api';
import { createAppI18n } from '../../../renderer/src/i18n';
import { useAppStore } from '../../../renderer/src/stores/use-app-store';
import { useJobsStore } from '../../../renderer/src/stores/use-jobs-store';
import ConvertWizard from '../../../renderer/src/wizards/ConvertWizard.vue';
import type { ConvertResult, DetectResult, FormatName, JobRequest } from '../../../shared/ipc-contract';
import { fakeApi, ok } from './fake-api';
import type { FakeApi } from './fake-api';
import { PRESETS } from './wizard-presets';

const MiB = 1024 * 1024;
const source = '/d/disk.vhd';
const detected: DetectResult = {
  path: source,
  format: 'vhd',
  describable: true,
  fileSize: 8 * MiB,
  contents: null,
  virtualSize: 8 * MiB,
  notADisk: null,
};

let fake: FakeApi;
let started: JobRequest[];
beforeEach(async () => {
  setActivePinia(createPinia());
  fake = fakeApi();
  setApi(fake.api);
  started = [];
  fake.answer('listJobs', () => ok([]));
  fake.answer('detectImage', () => ok(detected));
  fake.answer('startJob', (request) => {
    started.push(request as JobRequest);
    return ok({ jobId: 'j1' });
  });
  await useJobsStore().load();
  useAppStore().info = { name: 'Platter', version: '1', platform: 'linux', presets: PRESETS, sparseFiles: true };
});

async function render() {
  const wizard = mount(ConvertWizard, {
    props: { source },
    global: { plugins: [createAppI18n()] },
    attachTo: document.body,
  });
  await flushPromises();
  return wizard;
}

const field = (w: VueWrapper, id: string) => w.find(`[data-testid="${id}"]`);
const text = (w: VueWrapper, id: string) => w.get(`[data-testid="${id}"]`).text();
const outputPath = (w: VueWrapper) => w.get<HTMLInputElement>('[data-testid="convert-output"]').element.value;

async function next(w: VueWrapper): Promise<void> {
  await w.get('form').trigger('submit');
  await flushPromises();
}

/** Main's side: the job added, then done with `result`. */
function finish(request: JobRequest & { op: 'convert' }, format: FormatName): void {
  const result: ConvertResult = {
    output: request.output,
    format,
    diskType: null,
    blockSize: null,
    virtualSize: 8 * MiB,
    sourceSize: 8 * MiB,
    paddedBytes: 0,
    roundedBytes: 0,
    fileSize: 8 * MiB,
    verifiedSha256: null,
  };
  const times = { startedAt: 2, finishedAt: 3, progress: null, error: null };
  fake.emit('job:added', { id: 'j1', op: 'convert', request, state: 'queued', queuedAt: 1, ...times, result: null });
  fake.emit('job:done', { jobId: 'j1', op: 'convert', state: 'succeeded', result, durationMs: 1, ...times });
}

/** Step 2: where the disk goes. */
async function destination(w: VueWrapper, d: string): Promise<void> {
  await field(w, `convert-dest-${d}`).setValue(true);
}

describe('ConvertWizard', () => {
  it('shows the disk size beside the file size', async () => {
    const wizard = await render();
    expect(text(wizard, 'convert-detected')).toBe('VHD, 8 MiB disk, 8 MiB file');
    wizard.unmount();
  });

  it('offers destinations, not formats, first; Next waits for one', async () => {
    const wizard = await render();
    await next(wizard);
    const offered = wizard.findAll('[name="convert-destination"]').map((r) => r.attributes('value'));
    // Only those main has presets for (the test's presets have no VirtualBox or KVM), and raw and Custom.
    expect(offered).toEqual(['hyperv', 'azure', 'vmware', 'wsl', 'raw', 'custom']);
    expect(text(wizard, 'convert-destination-azure')).toContain('A fixed VHD of a whole number of MiB');
    expect(field(wizard, 'convert-vhdx').exists()).toBe(false);
    expect(field(wizard, 'convert-child').exists()).toBe(false);
    expect(wizard.get('[data-testid="wizard-next"]').attributes('disabled')).toBeDefined();
    wizard.unmount();
  });

  it('a destination writes its preset, names the output for it, and decides the options', async () => {
    const wizard = await render();
    await next(wizard);
    await destination(wizard, 'wsl');
    expect(text(wizard, 'convert-preset-writes')).toBe(
      'Writes: VHDX, Dynamic, 1 MiB blocks, sectors of 512 bytes (4096 physical)',
    );
    await next(wizard);
    expect(outputPath(wizard)).toBe('/d/disk-wsl.vhdx');
    fake.answer('showSaveDialog', () => ok({ path: '/d/disk-wsl.vhdx' }));
    await field(wizard, 'convert-output-choose').trigger('click');
    await flushPromises();
    expect(fake.calls.find((c) => c.method === 'showSaveDialog')?.request).toEqual({
      purpose: 'vhdx',
      defaultPath: '/d/disk-wsl.vhdx',
    });
    await next(wizard);
    expect(text(wizard, 'convert-summary-target')).toBe('WSL');
    expect(text(wizard, 'convert-summary-writes')).toBe('VHDX, Dynamic');
    expect(text(wizard, 'convert-summary-block-size')).toBe('1 MiB');
    expect(text(wizard, 'convert-summary-sectors')).toBe('sectors of 512 bytes (4096 physical)');
    await next(wizard);
    const request = { op: 'convert', input: source, output: '/d/disk-wsl.vhdx', verify: true, preset: 'wsl' } as const;
    expect(started).toEqual([request]);
    finish(request, 'vhdx');
    await flushPromises();
    expect(field(wizard, 'wizard-open-result').exists()).toBe(true);
    expect(text(wizard, 'finish-headline')).toBe('✓ Converted');
    expect(text(wizard, 'finish-wrote')).toBe('Wrote disk-wsl.vhdx: a 8 MiB disk, 8 MiB on disk, in /d.');
    fake.answer('showInFolder', () => ok(undefined));
    await field(wizard, 'finish-show-in-folder').trigger('click');
    await flushPromises();
    expect(fake.calls.find((c) => c.method === 'showInFolder')?.request).toEqual({ path: '/d/disk-wsl.vhdx' });
    wizard.unmount();
  });

  it('a destination with several presets asks which: VMware for ESXi sends the esxi preset', async () => {
    const wizard = await render();
    await next(wizard);
    await destination(wizard, 'vmware');
    expect(wizard.get<HTMLInputElement>('[data-testid="convert-preset-vmware"]').element.checked).toBe(true);
    await field(wizard, 'convert-preset-esxi').setValue(true);
    await next(wizard);
    expect(outputPath(wizard)).toBe('/d/disk-esxi.vmdk');
    await next(wizard);
    await next(wizard);
    expect(started).toEqual([
      { op: 'convert', input: source, output: '/d/disk-esxi.vmdk', verify: true, preset: 'esxi' },
    ]);
    wizard.unmount();
  });

  it('Custom: VHDX chosen by hand, its block sizes and sector sizes, sent as chosen', async () => {
    const wizard = await render();
    await next(wizard);
    await destination(wizard, 'custom');
    expect(field(wizard, 'convert-logical-sector').exists()).toBe(false);
    await field(wizard, 'convert-vhdx').setValue(true);
    expect(wizard.get<HTMLSelectElement>('[data-testid="convert-block-size"]').element.value).toBe(String(32 * MiB));
    await field(wizard, 'convert-fixed').setValue(true);
    expect(field(wizard, 'convert-block-size').exists()).toBe(false);
    await field(wizard, 'convert-dynamic').setValue(true);
    await field(wizard, 'convert-block-size').setValue(String(MiB));
    await field(wizard, 'convert-physical-sector').setValue('512');
    expect(field(wizard, 'convert-subformat').exists()).toBe(false);
    expect(field(wizard, 'convert-compress').exists()).toBe(false);
    await next(wizard);
    expect(outputPath(wizard)).toBe('/d/disk-converted.vhdx');
    await next(wizard);
    expect(text(wizard, 'convert-summary-target')).toBe('VHDX, Dynamic');
    await next(wizard);
    expect(started).toEqual([
      {
        op: 'convert',
        input: source,
        output: '/d/disk-converted.vhdx',
        verify: true,
        format: 'vhdx',
        type: 'dynamic',
        blockSize: MiB,
        logicalSectorSize: 512,
        physicalSectorSize: 512,
      },
    ]);
    wizard.unmount();
  });

  it('Custom: a VMDK takes a subformat and an adapter, a qcow2 compression', async () => {
    const wizard = await render();
    await next(wizard);
    await destination(wizard, 'custom');
    await field(wizard, 'convert-vmdk').setValue(true);
    await field(wizard, 'convert-subformat').setValue('stream-optimized');
    await field(wizard, 'convert-adapter').setValue('pvscsi');
    expect(field(wizard, 'convert-compress').exists()).toBe(false);
    await field(wizard, 'convert-qcow2').setValue(true);
    expect(field(wizard, 'convert-subformat').exists()).toBe(false);
    await field(wizard, 'convert-compress').setValue(true);
    await field(wizard, 'convert-vmdk').setValue(true);
    await next(wizard);
    await next(wizard);
    await next(wizard);
    expect(started[0]).toMatchObject({ format: 'vmdk', subformat: 'monolithic-sparse', adapter: 'lsilogic' });
    expect(started[0]).not.toHaveProperty('compress');
    wizard.unmount();
  });

  it('a differencing child is an advanced choice of Custom', async () => {
    const wizard = await render();
    await next(wizard);
    await destination(wizard, 'custom');
    expect(wizard.get('details.advanced').attributes('open')).toBeUndefined();
    await field(wizard, 'convert-child').setValue(true);
    expect(wizard.get('[data-testid="wizard-next"]').attributes('disabled')).toBeDefined();
    expect(field(wizard, 'convert-parent').exists()).toBe(true);
    wizard.unmount();
  });

  it('a raw output takes no type or block size, and its result does not offer to open', async () => {
    const wizard = await render();
    await next(wizard);
    await destination(wizard, 'raw');
    expect(field(wizard, 'convert-dynamic').exists()).toBe(false);
    expect(field(wizard, 'convert-block-size').exists()).toBe(false);
    await next(wizard);
    expect(outputPath(wizard)).toBe('/d/disk-converted.img');
    await next(wizard);
    expect(text(wizard, 'convert-summary-target')).toBe('Raw disk image');
    await next(wizard);
    const request = {
      op: 'convert',
      input: source,
      output: '/d/disk-converted.img',
      verify: true,
      format: 'raw',
      preallocate: false,
    } as const;
    expect(started).toEqual([request]);
    finish(request, 'raw');
    await flushPromises();
    expect(field(wizard, 'convert-result').exists()).toBe(true);
    expect(field(wizard, 'wizard-open-result').exists()).toBe(false);
    wizard.unmount();
  });

  it('a file that is plainly not a disk goes on only once the user says so', async () => {
    fake.answer('detectImage', () =>
      ok({ ...detected, format: 'raw', describable: false, fileSize: 300, virtualSize: 300, notADisk: 'too-small' }),
    );
    const wizard = await render();
    expect(text(wizard, 'convert-not-a-disk')).toContain('This file is 300 bytes, smaller than one 512-byte sector');
    const nextButton = () => wizard.get('[data-testid="wizard-next"]');
    expect(nextButton().attributes('disabled')).toBeDefined();
    await field(wizard, 'convert-not-a-disk-confirm').setValue(true);
    expect(nextButton().attributes('disabled')).toBeUndefined();
    wizard.unmount();
  });

  it('after a cancel: what was cleaned up, and Start again from the first step', async () => {
    const wizard = await render();
    await next(wizard);
    await destination(wizard, 'hyperv');
    await next(wizard);
    await next(wizard);
    await next(wizard);
    const request = started[0]!;
    const times = { startedAt: 2, finishedAt: 3, progress: null, result: null };
    const error = { code: 'CANCELLED', message: 'cancelled' };
    fake.emit('job:added', {
      id: 'j1',
      op: 'convert',
      request,
      state: 'queued',
      queuedAt: 1,
      ...times,
      error: null,
    } as never);
    fake.emit('job:done', { jobId: 'j1', op: 'convert', state: 'cancelled', durationMs: 1, ...times, error } as never);
    await flushPromises();
    expect(text(wizard, 'finish-headline')).toBe('■ Cancelled');
    expect(text(wizard, 'finish-cleaned-up')).toBe(
      'Nothing was left behind: the partly written disk-hyperv.vhdx was removed.',
    );
    await field(wizard, 'finish-start-again').trigger('click');
    await flushPromises();
    expect(wizard.get('[data-testid="convert-wizard"]').attributes('data-step')).toBe('0');
    expect(field(wizard, 'wizard-next').exists()).toBe(true);
    wizard.unmount();
  });
});
