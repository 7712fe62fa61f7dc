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
const detected: DetectResult = { path: source, format: 'vhd', describable: true, fileSize: 8 * MiB, contents: null };

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

describe('ConvertWizard', () => {
  it('a preset shows its format, names the output for it, and decides the options', async () => {
    const wizard = await render();
    await next(wizard);
    const presets = wizard
      .get('[data-testid="convert-preset"]')
      .findAll('option')
      .map((o) => o.text());
    expect(presets).toContain('wsl (VHDX) — WSL 2: dynamic VHDX, 1 MiB blocks');
    expect(presets).toContain('azure (VHD) — Azure upload: fixed VHD');
    await field(wizard, 'convert-preset').setValue('wsl');
    expect(text(wizard, 'convert-preset-writes')).toBe(
      'Writes: VHDX, Dynamic, 1 MiB blocks, sectors of 512 bytes (4096 physical)',
    );
    expect(field(wizard, 'convert-vhdx').exists()).toBe(false);
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
    expect(text(wizard, 'convert-summary-target')).toBe('Preset: wsl');
    expect(text(wizard, 'convert-summary-writes')).toBe('VHDX, Dynamic');
    expect(text(wizard, 'convert-summary-block-size')).toBe('1 MiB');
    expect(text(wizard, 'convert-summary-sectors')).toBe('sectors of 512 bytes (4096 physical)');
    await next(wizard);
    const request = { op: 'convert', input: source, output: '/d/disk-wsl.vhdx', verify: true, preset: 'wsl' } as const;
    expect(started).toEqual([request]);
    finish(request, 'vhdx');
    await flushPromises();
    expect(field(wizard, 'wizard-open-result').exists()).toBe(true);
    wizard.unmount();
  });

  it('VHDX chosen by hand: its block sizes and sector sizes, sent as chosen', async () => {
    const wizard = await render();
    await next(wizard);
    expect(field(wizard, 'convert-logical-sector').exists()).toBe(false);
    await field(wizard, 'convert-vhdx').setValue(true);
    expect(wizard.get<HTMLSelectElement>('[data-testid="convert-block-size"]').element.value).toBe(String(32 * MiB));
    await field(wizard, 'convert-fixed').setValue(true);
    expect(field(wizard, 'convert-block-size').exists()).toBe(false);
    await field(wizard, 'convert-dynamic').setValue(true);
    await field(wizard, 'convert-block-size').setValue(String(MiB));
    await field(wizard, 'convert-physical-sector').setValue('512');
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

  it('a raw output takes no type or block size, and its result does not offer to open', async () => {
    const wizard = await render();
    await next(wizard);
    await field(wizard, 'convert-raw').setValue(true);
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
});
