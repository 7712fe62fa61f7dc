// One line on what a finished job did ("Wrote 768 MiB (12 MiB on disk)"), for the Jobs panel and a wizard's finish.
import { useI18n } from 'vue-i18n';
import { baseName, formatBytes } from '../lib/format';
import type { JobView } from '../stores/use-jobs-store';

export function useJobSummary() {
  const { t } = useI18n();

  function summarize(job: JobView): string {
    if (job.state !== 'succeeded' || job.result === null) return '';
    switch (job.op) {
      case 'create':
        return t('jobs.results.create', {
          size: formatBytes(job.result.virtualSize),
          type: t(`image.diskTypes.${job.result.diskType}`).toLowerCase(),
        });
      case 'convert':
        return t('jobs.results.convert', {
          size: formatBytes(job.result.virtualSize),
          file: formatBytes(job.result.fileSize),
        });
      case 'compact':
        return t(job.result.dryRun ? 'jobs.results.compactEstimate' : 'jobs.results.compact', {
          bytes: formatBytes(job.result.reclaimedBytes),
        });
      case 'hash':
        return t('jobs.results.hash', { hash: job.result.sha256 });
      case 'convert-to-child':
        return t('jobs.results.convertToChild', { changed: job.result.changedBlocks, total: job.result.totalBlocks });
      case 'resize':
        return t('jobs.results.resize', { from: formatBytes(job.result.oldSize), to: formatBytes(job.result.newSize) });
      case 'merge':
        return t('jobs.results.merge', { blocks: job.result.mergedBlocks, parent: baseName(job.result.parent) });
      case 'set-parent':
        return t('jobs.results.setParent', { parent: baseName(job.result.parent) });
      case 'repair':
        return t(
          job.result.dryRun ? 'jobs.results.repairPlan' : 'jobs.results.repair',
          { count: job.result.changes.length },
          job.result.changes.length,
        );
    }
    return '';
  }

  return { summarize };
}
