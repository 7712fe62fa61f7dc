// The qcow2 driver: versions 2 and 3 as qemu, FreeBSD mkimg and others write them, read as their active state
// through any backing chain; new images written as version 3 (output.ts).
import { FORMAT_EXTENSIONS } from '../../../../shared/formats';
import type { FormatDriver } from '../driver';
import { hasQcow2Signature } from './header';
import { openQcow2 } from './open-qcow2';
import { qcow2Output } from './output';
import { checkQcow2 } from './qcow2-check';
import { describeQcow2 } from './qcow2-info';

export const qcow2Driver: FormatDriver = {
  format: 'qcow2',
  name: 'qcow2',
  extensions: FORMAT_EXTENSIONS.qcow2,
  probe: async (file) => file.size >= 4 && hasQcow2Signature(await file.readAt(0, 4)),
  open: openQcow2,
  // A qcow2 overlay names its backing file by path only: there is no identity to match.
  identity: () => Promise.resolve(null),
  describe: describeQcow2,
  check: checkQcow2,
  capabilities: () => ({
    compact: false,
    resize: false,
    merge: false,
    setParent: false,
    createChild: false,
    repair: false,
  }),
  output: qcow2Output,
};
