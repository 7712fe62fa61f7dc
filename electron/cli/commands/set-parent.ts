import { setParent } from '../../engine/ops/set-parent';
import type { Command } from '../command';

export const setParentCommand: Command = {
  name: 'set-parent',
  summary: 'Point a differencing child at its parent after the parent was moved or renamed.',
  usage: 'set-parent CHILD PARENT',
  details: `Options:
  --json    print the result as JSON

PARENT must be the very disk the child was made from: its UUID (a VHDX's DataWriteGuid) must be the one
the child records. Any other disk is refused, since reading the child through it would give corrupt data.
Only the child's record of where its parent lives is rewritten: a VHD's parent name and locators, a VHDX's
parent locator (through the VHDX log, as Hyper-V changes its metadata).

Examples:
  platter set-parent snapshots/child.vhd /mnt/disks/base.vhd
  platter set-parent snapshots/child.vhdx /mnt/disks/base.vhdx`,
  options: { json: { type: 'boolean' } },
  positionals: [2, 2],
  async run(values, [child, parent], io) {
    const result = await setParent({ child: child!, parent: parent! });
    io.stdout(
      values.json
        ? JSON.stringify(result, null, 2) + '\n'
        : `${result.child} now points at ${result.parent} (UUID ${result.parentUuid})\n`,
    );
    return 0;
  },
};
