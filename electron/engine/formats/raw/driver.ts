// The raw driver: the file (or device) is the disk. It has no signature, so it is asked last and takes anything
// no other driver claims (foreign-formats.ts keeps known containers from reaching it).
import { FORMAT_EXTENSIONS } from '../../../../shared/formats';
import type { FormatDriver } from '../driver';
import { rawOutput } from './output';
import { RawImage } from './raw-image';

export const rawDriver: FormatDriver = {
  format: 'raw',
  name: 'raw disk image',
  extensions: FORMAT_EXTENSIONS.raw,
  probe: () => Promise.resolve(true),
  open: (file) => Promise.resolve(new RawImage(file)),
  identity: () => Promise.resolve(null),
  capabilities: () => ({
    compact: false,
    resize: false,
    merge: false,
    setParent: false,
    createChild: false,
    repair: false,
  }),
  output: rawOutput,
};
