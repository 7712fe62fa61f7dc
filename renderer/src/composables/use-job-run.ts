// A wizard's one job: start it, follow it in the jobs store, keep main's refusal (bad path, output exists...).
// While the wizard is on screen it shows the job itself, so the Jobs panel leaves it out.
import { computed, getCurrentScope, onScopeDispose, ref } from 'vue';
import { asIpcError } from '../api';
import type { IpcError, JobId, JobRequest } from '../../../shared/ipc-contract';
import { isFinished, useJobsStore } from '../stores/use-jobs-store';

export function useJobRun() {
  const jobs = useJobsStore();
  const jobId = ref<JobId | null>(null);
  const refused = ref<IpcError | null>(null);
  const starting = ref(false);
  const job = computed(() => jobs.byId(jobId.value));
  const busy = computed(() => starting.value || (job.value !== undefined && !isFinished(job.value)));

  async function start(request: JobRequest): Promise<boolean> {
    refused.value = null;
    starting.value = true;
    try {
      const id = await jobs.start(request, true);
      if (jobId.value !== null) jobs.hide(jobId.value);
      jobId.value = id;
      return true;
    } catch (err) {
      refused.value = asIpcError(err);
      return false;
    } finally {
      starting.value = false;
    }
  }

  if (getCurrentScope()) onScopeDispose(() => jobId.value !== null && jobs.hide(jobId.value));

  function reset(): void {
    if (jobId.value !== null) jobs.hide(jobId.value);
    jobId.value = null;
    refused.value = null;
  }

  return { jobId, job, refused, busy, start, reset };
}
