import type { FoundDisk, FoundDisks } from '../../../shared/found-disks';
import { findWslDisks, systemSources } from '../../engine/discovery/find-wsl-disks';
import type { Command } from '../command';
import { progressBar } from '../progress-bar';
import { formatSize } from '../sizes';

const OWNERS = { wsl: 'WSL', docker: 'Docker Desktop' } as const;

function diskLines(d: FoundDisk): string[] {
  const lines = [`${OWNERS[d.owner]} ${d.name}: ${d.path}`];
  const facts = [
    d.sizeOnDisk !== null ? `${formatSize(d.sizeOnDisk)} on disk` : '',
    d.virtualSize !== null ? `virtual size ${formatSize(d.virtualSize)}` : '',
    d.reclaimable !== null ? `compacting would reclaim ${formatSize(d.reclaimable)}` : '',
  ].filter(Boolean);
  if (facts.length > 0) lines.push(`  ${facts.join(', ')}`);
  if (d.problem) lines.push(`  ${d.status}: ${d.problem.message}${d.problem.remedy ? ` - ${d.problem.remedy}` : ''}`);
  return lines;
}

/** The list as `platter list-wsl` prints it: each disk, its sizes and any problem, then the notes. */
export function foundDisksText(found: FoundDisks): string {
  const lines = found.disks.length === 0 ? ['No WSL or Docker Desktop disks found.'] : found.disks.flatMap(diskLines);
  for (const note of found.notes) lines.push(`Note: ${note}`);
  return lines.join('\n') + '\n';
}

export const listWslCommand: Command = {
  name: 'list-wsl',
  summary:
    "List the WSL distributions' and Docker Desktop's disks (Windows), their size and what compact would reclaim.",
  usage: 'list-wsl [--json] [--quick] [--quiet]',
  details: `Options:
  --json    print the list as JSON
  --quick   skip working out what compacting would reclaim (which reads every allocated block of each disk)
  --quiet   no progress bar

Looks in the registry (HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Lxss: each distribution's BasePath
holds its ext4.vhdx) and under %LOCALAPPDATA%\\Docker\\wsl. A disk that WSL or Docker Desktop is running is
listed as in use: run \`wsl --shutdown\` (or quit Docker Desktop) first, then \`platter compact DISK\`.
On other systems it finds nothing and says so.`,
  options: { json: { type: 'boolean' }, quick: { type: 'boolean' }, quiet: { type: 'boolean', short: 'q' } },
  positionals: [0, 0],
  async run(values, _positionals, io) {
    const bar = progressBar(io, values.quiet === true);
    let found;
    try {
      const options = { estimate: values.quick !== true, signal: io.signal, onProgress: bar.onProgress };
      found = await findWslDisks(systemSources(), options);
    } finally {
      bar.end();
    }
    io.stdout(values.json ? JSON.stringify(found, null, 2) + '\n' : foundDisksText(found));
    return 0;
  },
};
