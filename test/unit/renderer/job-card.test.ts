// The job card: percent, speed and ETA while running, Cancel calls main, and a failure shows sentence + remedy.
import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { setApi } from '../../../renderer/src/api';
import JobCard from '../../../renderer/src/components/JobCard.vue';
import { useJobsStore } from '../../../renderer/src/stores/use-jobs-store';
import { createAppI18n } from '../../../renderer/src/i18n';
import type { JobInfo } from '../../../shared/ipc-contract';
import { fakeApi, ok } from './fake-api';
import type { FakeApi } from './fake-api';

const running: JobInfo = {
  id: 'j1',
  op: 'convert',
  request: { op: 'convert', input: '/d/a.img', output: '/d/a.vhd' },
  state: 'running',
  queuedAt: 1,
  startedAt: 2,
  finishedAt: null,
  progress: {
    jobId: 'j1',
    seq: 3,
    phase: 'converting',
    done: 42,
    total: 100,
    bytesPerSecond: 3 * 1024 * 1024,
    fraction: 0.42,
    etaSeconds: 75,
    elapsedMs: 900,
  },
  result: null,
  error: null,
};

let fake: FakeApi;
beforeEach(() => {
  const pinia = createPinia();
  setActivePinia(pinia);
  fake = fakeApi();
  setApi(fake.api);
});

function render(job: JobInfo, embedded = false) {
  return mount(JobCard, { props: { job, embedded }, global: { plugins: [createAppI18n()] } });
}

describe('JobCard', () => {
  it('shows the title, percent, speed and, once stable, the time left; Cancel asks main to cancel', async () => {
    fake.answer('cancelJob', () => ok({ cancelled: true }));
    const jobs = useJobsStore();
    jobs.added({ ...running, progress: null });
    const card = mount(JobCard, { props: { job: running }, global: { plugins: [createAppI18n()] } });
    expect(card.text()).toContain('a.img → a.vhd');
    expect(card.get('[data-testid="job-percent"]').text()).toBe('42%');
    expect(card.get('[data-testid="job-speed"]').text()).toBe('3 MiB/s');
    // One update says nothing about the time left: it is withheld.
    expect(card.find('[data-testid="job-eta"]').exists()).toBe(false);
    // A steady 1 MB/s over 6 s of a 100 MB copy: 94 s left.
    const MB = 1_000_000;
    for (let i = 0; i <= 24; i++) {
      const done = 250_000 * i;
      jobs.progressed({
        ...running.progress!,
        seq: 10 + i,
        done,
        total: 100 * MB,
        fraction: done / (100 * MB),
        elapsedMs: 250 * i,
      });
    }
    await card.setProps({ job: jobs.byId('j1')! } as never);
    expect(card.get('[data-testid="job-eta"]').text()).toBe('1 min 34 s left');
    expect(card.get('progress').attributes('value')).toBe('6');
    await card.get('button.danger').trigger('click');
    expect(fake.calls).toEqual([{ method: 'cancelJob', request: { jobId: 'j1' } }]);
  });

  it('a failed job shows the error sentence and its remedy, no Cancel', () => {
    const card = render({
      ...running,
      state: 'failed',
      finishedAt: 9,
      error: { code: 'NO_SPACE', message: 'the disk is full', remedy: 'free some space and try again' },
    });
    expect(card.text()).toContain('The disk is full.');
    expect(card.text()).toContain('What to do: free some space and try again');
    expect(card.find('button.danger').exists()).toBe(false);
  });

  it('a finished convert offers to open its result, and says how long it took', () => {
    const finished: JobInfo = {
      ...running,
      state: 'succeeded',
      finishedAt: 402,
      result: {
        output: '/d/a.vhd',
        format: 'vhd',
        diskType: 'dynamic',
        blockSize: 2097152,
        virtualSize: 64 * 1024 * 1024,
        sourceSize: 64 * 1024 * 1024,
        paddedBytes: 0,
        roundedBytes: 0,
        fileSize: 1024 * 1024,
        verifiedSha256: null,
      },
    };
    const card = render(finished);
    expect(card.get('[data-testid="job-percent"]').text()).toBe('100%');
    expect(card.get('[data-testid="job-summary"]').text()).toBe('Wrote 64 MiB (1 MiB on disk)');
    expect(card.get('[data-testid="job-took"]').text()).toBe('took 0.4 s');
    expect(card.find('[data-testid="job-open"]').exists()).toBe(true);
    // Embedded (in a wizard), the wizard's own Open result button is the one way to open it.
    expect(render(finished, true).find('[data-testid="job-open"]').exists()).toBe(false);
  });
});
