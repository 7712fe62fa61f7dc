// The header extensions that follow the qcow2 header in the first cluster: a type, a length and padded data each,
// up to an end marker. Platter uses the backing file's format and the external data file's name; the rest are
// skipped (bitmaps, the feature name table) or refused elsewhere (the encryption header goes with crypt_method).
import { view } from '../fields';
import { badHeader } from './header';

export const EXTENSION = {
  end: 0,
  backingFormat: 0xe2792aca,
  featureNames: 0x6803f857,
  bitmaps: 0x23852875,
  encryption: 0x0537be77,
  externalDataFile: 0x44415441,
} as const;

export interface Qcow2Extensions {
  readonly backingFormat: string | null;
  readonly externalDataFile: string | null;
  /** Incompatible feature bits the image's own table names, by bit. */
  readonly featureNames: ReadonlyMap<number, string>;
}

function text(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return Buffer.from(end === -1 ? bytes : bytes.subarray(0, end)).toString('utf8');
}

/** Reads the extensions in `area` (the bytes from the header's end to the backing name or the cluster's end). */
export function parseExtensions(area: Uint8Array): Qcow2Extensions {
  const dv = view(area);
  let backingFormat: string | null = null;
  let externalDataFile: string | null = null;
  const featureNames = new Map<number, string>();
  for (let at = 0; at + 8 <= area.length;) {
    const type = dv.getUint32(at);
    const length = dv.getUint32(at + 4);
    if (type === EXTENSION.end) break;
    if (at + 8 + length > area.length)
      throw badHeader(`has a header extension (0x${type.toString(16)}) of ${length} bytes past the first cluster`);
    const data = area.subarray(at + 8, at + 8 + length);
    if (type === EXTENSION.backingFormat) backingFormat = text(data);
    else if (type === EXTENSION.externalDataFile) externalDataFile = text(data);
    else if (type === EXTENSION.featureNames) {
      // 48-byte entries: type (0 incompatible), bit number, 46 bytes of name.
      for (let e = 0; e + 48 <= data.length; e += 48)
        if (data[e] === 0) featureNames.set(data[e + 1]!, text(data.subarray(e + 2, e + 48)));
    }
    at += 8 + Math.ceil(length / 8) * 8;
  }
  return { backingFormat, externalDataFile, featureNames };
}
