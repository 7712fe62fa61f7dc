import { PlatterError } from '../../errors';
import { putAscii, utf16le } from './fields';

/** The file type identifier: 'vhdxfile' at offset 0, then the creator's name; 64 KiB reserved. */
export const FILE_IDENTIFIER_OFFSET = 0;
export const FILE_IDENTIFIER_SIZE = 8 + 512;
export const VHDX_SIGNATURE = 'vhdxfile';

export interface FileIdentifier {
  /** Who created the file (diagnostic only; the spec forbids acting on it). */
  readonly creator: string;
}

export function hasVhdxSignature(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && String.fromCharCode(...bytes.subarray(0, 8)) === VHDX_SIGNATURE;
}

export function parseFileIdentifier(bytes: Uint8Array): FileIdentifier {
  if (bytes.length < FILE_IDENTIFIER_SIZE || !hasVhdxSignature(bytes)) {
    throw new PlatterError(
      'VHDX_BAD_HEADER',
      'the file does not start with the VHDX signature "vhdxfile"',
      'check that this is a VHDX image',
    );
  }
  return { creator: utf16le(bytes.subarray(8, FILE_IDENTIFIER_SIZE)) };
}

export function serializeFileIdentifier(value: FileIdentifier): Uint8Array {
  const bytes = new Uint8Array(FILE_IDENTIFIER_SIZE);
  putAscii(bytes, 0, VHDX_SIGNATURE);
  const creator = Buffer.from(value.creator.slice(0, 255), 'utf16le');
  bytes.set(creator, 8);
  return bytes;
}
