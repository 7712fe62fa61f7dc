// The Home view's WSL and Docker Desktop disks: hidden off Windows when nothing was found; each disk with its size
// on disk, Compact disabled with the in-use reason as its tooltip, and what compacting would reclaim filled in
// from compact's dry-run job.
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { setApi } from '../../../renderer/src/api';
import WslDisksPanel from '../../../renderer/src/components/WslDisksPanel.vue';
import { createAppI18n } from '../../../renderer/src/i18n';
import { useAppStore } from '../../../renderer/src/stores/use-app-store';
import { useJobsStore } from '../../../renderer/src/stores/use-jobs-store';
import { useNavStore } from '../../../renderer/src/stores/use-nav-store';
import type { AppInfo, FoundDisk, FoundDisks, JobRequest } from '../../../shared/ipc-contract';
import { fakeApi, ok } from './fake-api';
import type { FakeApi } from './fake-api';

const MiB = 1024 * 1024;
const ubuntu: FoundDisk = {
  name: 'Ubuntu',
  path: 'C:\\Users\\a\\AppData\\Local\\Packages\\Ubuntu\\LocalState\\ext4.vhdx',
  owner: 'wsl',
  status: 'ready',
  sizeOnDisk: 9 * MiB,
  fileSize: 9 * MiB,
  virtualSize: 1024 * 1024 * MiB,
  reclaimable: null,
  problem: null,
};
const dockerData: FoundDisk = {
  name: 'disk\\docker_data.vhdx',
  path: 'C:\\Users\\a\\AppData\\Local\\Docker\\wsl\\disk\\docker_data.vhdx',
  owner: 'docker',
  status: 'in-use',
  sizeOnDisk: 20 * MiB,
  fileSize: 20 * MiB,
  virtualSize: null,
  reclaimable: null,
  problem: {
    code: 'IN_USE',
    message: 'C:\\...\\docker_data.vhdx is in use: Docker Desktop is running it',
    remedy: 'quit Docker Desktop (then run `wsl --shutdown`), then compact it',
  },
};

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

async function render(found: FoundDisks, platform = 'linux') {
  useAppStore().info = { platform } as AppInfo;
  fake.answer('listWslDisks', () => ok(found));
  const panel = mount(WslDisksPanel, { global: { plugins: [createAppI18n()] }, attachTo: document.body });
  await flushPromises();
  return panel;
}

describe('WslDisksPanel', () => {
  it('off Windows with nothing found, shows nothing', async () => {
    const panel = await render({ disks: [], notes: ['applies to Windows'] });
    expect(panel.find('[data-testid="wsl-disks"]').exists()).toBe(false);
    panel.unmount();
  });

  it('on Windows with nothing found, says so', async () => {
    const panel = await render({ disks: [], notes: [] }, 'win32');
    expect(panel.get('[data-testid="wsl-disks"]').text()).toContain('No WSL distribution or Docker Desktop disk');
    panel.unmount();
  });

  it('lists the disks; Compact opens the wizard, or is disabled with the reason; the estimate fills in', async () => {
    const panel = await render({ disks: [ubuntu, dockerData], notes: [] });
    const rows = panel.findAll('[data-testid="wsl-disk"]');
    expect(rows).toHaveLength(2);
    expect(rows[0]!.get('[data-testid="wsl-size-on-disk"] [data-bytes]').attributes('data-bytes')).toBe(
      String(9 * MiB),
    );
    const busy = rows[1]!.get('[data-testid="wsl-compact"]');
    expect(busy.attributes('disabled')).toBeDefined();
    expect(busy.attributes('title')).toContain('quit Docker Desktop');
    expect(rows[1]!.get('[data-testid="wsl-problem"]').text()).toContain('wsl --shutdown');

    // Only the disk that is not in use is scanned.
    await panel.get('[data-testid="wsl-estimate"]').trigger('click');
    await flushPromises();
    expect(started).toEqual([{ op: 'compact', path: ubuntu.path, dryRun: true }]);
    const jobs = useJobsStore();
    jobs.added({ id: 'j1', op: 'compact', request: started[0], state: 'queued' } as never);
    jobs.done({
      jobId: 'j1',
      state: 'succeeded',
      result: { dryRun: true, reclaimedBytes: 4 * MiB },
      error: null,
      finishedAt: 1,
    } as never);
    await flushPromises();
    const reclaim = rows[0]!.get('[data-testid="wsl-reclaimable"] [data-bytes]');
    expect(reclaim.attributes('data-bytes')).toBe(String(4 * MiB));

    await rows[0]!.get('[data-testid="wsl-compact"]').trigger('click');
    expect(useNavStore().screen).toMatchObject({ name: 'wizard', wizard: 'compact', params: { path: ubuntu.path } });
    panel.unmount();
  });
});
