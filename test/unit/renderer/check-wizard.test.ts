// The Check / Repair wizard: problems, then what repair will change (a dry run, dropped blocks as byte ranges in
// human units), then the repair job and the check after it; a rolled-back interrupted change and a refusal are
// stated in words.
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { setApi } from '../../../renderer/src/api';
import { createAppI18n } from '../../../renderer/src/i18n';
import { useJobsStore } from '../../../renderer/src/stores/use-jobs-store';
import CheckWizard from '../../../renderer/src/wizards/CheckWizard.vue';
import type { CheckReport, JobInfo, JobRequest } from '../../../shared/ipc-contract';
import type { RepairResult } from '../../../shared/jobs';
import { fakeApi, ok } from './fake-api';
import type { FakeApi } from './fake-api';

const MiB = 1024 * 1024;
const path = '/d/disk.vhd';
const damaged: CheckReport = {
  path,
  clean: false,
  problems: [{ code: 'BAT_ENTRY_PAST_END', severity: 'error', offset: 1536, message: 'block 4 lies past the end' }],
};
const change = {
  code: 'BAT_ENTRY_PAST_END',
  offset: 1552,
  message: 'block 4 dropped from the block table',
  virtualRange: { start: 8 * MiB, end: 10 * MiB },
};

let fake: FakeApi;
let started: JobRequest[];
beforeEach(async () => {
  setActivePinia(createPinia());
  fake = fakeApi();
  setApi(fake.api);
  started = [];
  fake.answer('listJobs', () => ok([]));
  fake.answer('checkImage', () => ok(damaged));
  fake.answer('startJob', (request) => {
    started.push(request as JobRequest);
    return ok({ jobId: `j${started.length}` });
  });
  await useJobsStore().load();
});

/** Main's side of a repair job: added, then done with `result`. */
function finish(id: string, request: JobRequest & { op: 'repair' }, result: RepairResult): void {
  const info: JobInfo = {
    id,
    op: 'repair',
    request,
    state: 'queued',
    queuedAt: 1,
    startedAt: null,
    finishedAt: null,
    progress: null,
    result: null,
    error: null,
  };
  fake.emit('job:added', info);
  fake.emit('job:done', {
    jobId: id,
    op: 'repair',
    state: 'succeeded',
    result,
    error: null,
    startedAt: 2,
    finishedAt: 3,
    durationMs: 1,
    progress: null,
  });
}

function render() {
  return mount(CheckWizard, { props: { path }, global: { plugins: [createAppI18n()] }, attachTo: document.body });
}

describe('CheckWizard', () => {
  it('shows the planned changes with byte ranges, repairs, and states the roll-back and the check after', async () => {
    const wizard = render();
    await flushPromises();
    expect(wizard.get('[data-testid="check-problems"]').text()).toBe('One problem found');
    expect(document.activeElement?.getAttribute('data-testid')).toBe('check-show-plan');

    await wizard.get('form').trigger('submit'); // Enter
    await flushPromises();
    expect(started).toEqual([{ op: 'repair', path, dryRun: true }]);
    finish(
      'j1',
      { op: 'repair', path, dryRun: true },
      {
        path,
        dryRun: true,
        rolledBack: null,
        before: damaged,
        changes: [change],
        after: null,
      },
    );
    await flushPromises();
    const plan = wizard.get('[data-testid="check-plan"]').text();
    expect(plan).toContain('Repair will make one change:');
    expect(plan).toContain('block 4 dropped from the block table');
    expect(plan).toContain('8 MiB – 10 MiB will read as zeros');
    expect(document.activeElement?.getAttribute('data-testid')).toBe('check-run-repair');

    await wizard.get('form').trigger('submit');
    await flushPromises();
    expect(started).toEqual([
      { op: 'repair', path, dryRun: true },
      { op: 'repair', path },
    ]);
    finish(
      'j2',
      { op: 'repair', path },
      {
        path,
        dryRun: false,
        rolledBack: 'resize',
        before: damaged,
        changes: [change],
        after: { path, clean: true, problems: [] },
      },
    );
    await flushPromises();
    const done = wizard.get('[data-testid="check-repair-result"]').text();
    expect(done).toContain('Repair made one change:');
    expect(done).toContain('8 MiB – 10 MiB now reads as zeros');
    expect(wizard.get('[data-testid="check-rolled-back"]').text()).toBe('An interrupted resize was rolled back first.');
    expect(wizard.find('[data-testid="check-after-clean"]').exists()).toBe(true);
    expect(wizard.find('[data-testid="check-run-repair"]').exists()).toBe(false);
    wizard.unmount();
  });

  it('a refused repair shows the sentence and the remedy', async () => {
    fake.answer('startJob', () => ({
      ok: false,
      error: { code: 'ACCESS_DENIED', message: `permission denied for ${path}`, remedy: 'check the permissions' },
    }));
    const wizard = render();
    await flushPromises();
    await wizard.get('form').trigger('submit');
    await flushPromises();
    expect(wizard.find('[data-testid="check-plan"]').exists()).toBe(false);
    const note = wizard.get('[role="alert"]');
    expect(note.attributes('data-code')).toBe('ACCESS_DENIED');
    expect(note.text()).toContain(`Permission denied for ${path}.`);
    expect(note.text()).toContain('What to do: check the permissions');
    wizard.unmount();
  });
});
