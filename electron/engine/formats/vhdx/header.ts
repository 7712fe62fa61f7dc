import { PlatterError } from '../../errors';
import { crc32cWithZeroedField } from './crc32c';
import { DAMAGED, KIB, MIB, fourCC, leView, putAscii, u64le } from './fields';
import { NIL_GUID, readGuid, writeGuid } from './guid';

/** The two header copies; the valid one with the higher sequence number is current. */
export const HEADER_OFFSETS = [64 * KIB, 128 * KIB] as const;
export const HEADER_SIZE = 4 * KIB;
const SIGNATURE = 'head';
const CHECKSUM_OFFSET = 4;

export interface VhdxHeader {
  /** Kept as a bigint: it is only compared, and writers may start it anywhere. */
  readonly sequenceNumber: bigint;
  readonly fileWriteGuid: string;
  /** Changes whenever the guest-visible data changes; a differencing child records its parent's. */
  readonly dataWriteGuid: string;
  /** Non-zero while the log may hold updates not yet applied to the file. */
  readonly logGuid: string;
  readonly logVersion: number;
  readonly version: number;
  readonly logLength: number;
  readonly logOffset: number;
}

function bad(message: string, details: Record<string, unknown> = {}): PlatterError {
  return new PlatterError('VHDX_BAD_HEADER', message, DAMAGED, details);
}

/** Parses one header copy, checking its signature and CRC-32C (what makes a copy valid). */
export function parseHeader(bytes: Uint8Array): VhdxHeader {
  if (bytes.length < HEADER_SIZE) throw bad(`a VHDX header is ${HEADER_SIZE} bytes, not ${bytes.length}`);
  const block = bytes.subarray(0, HEADER_SIZE);
  if (fourCC(block, 0) !== SIGNATURE) throw bad('the VHDX header has no "head" signature');
  const dv = leView(block);
  const stored = dv.getUint32(CHECKSUM_OFFSET, true);
  const actual = crc32cWithZeroedField(block, CHECKSUM_OFFSET);
  if (stored !== actual) {
    throw bad(`the VHDX header checksum is 0x${hex(stored)} but its contents give 0x${hex(actual)}`);
  }
  const logOffset = u64le(dv, 72);
  if (logOffset === null) throw bad('the VHDX header gives a log offset beyond any file size');
  return {
    sequenceNumber: dv.getBigUint64(8, true),
    fileWriteGuid: readGuid(block, 16),
    dataWriteGuid: readGuid(block, 32),
    logGuid: readGuid(block, 48),
    logVersion: dv.getUint16(64, true),
    version: dv.getUint16(66, true),
    logLength: dv.getUint32(68, true),
    logOffset,
  };
}

/** Checks the current header's fields against the format: version 1, a 1 MiB-aligned log inside the file. */
export function checkHeaderFields(header: VhdxHeader, fileSize: number): void {
  if (header.version !== 1) throw bad(`the VHDX header gives format version ${header.version}; only 1 exists`);
  if (header.logGuid !== NIL_GUID && header.logVersion !== 0) {
    throw bad(`the VHDX log has version ${header.logVersion}; only 0 exists`);
  }
  const { logOffset, logLength } = header;
  if (logLength % MIB !== 0 || logOffset % MIB !== 0 || (logLength > 0 && logOffset < MIB)) {
    throw bad(`the VHDX log at ${logOffset} (${logLength} bytes) is not aligned to 1 MiB after the header section`, {
      offset: logOffset,
    });
  }
  if (logOffset + logLength > fileSize) {
    throw bad(`the VHDX log at ${logOffset} (${logLength} bytes) runs past the end of the file`, { offset: logOffset });
  }
}

export interface CurrentHeader {
  readonly header: VhdxHeader;
  /** 0 for the copy at 64 KiB, 1 for the copy at 128 KiB. */
  readonly copy: 0 | 1;
  readonly warnings: readonly string[];
}

/** Picks the current header from the two copies; throws VHDX_BAD_HEADER when neither is valid. */
export function selectHeader(first: Uint8Array, second: Uint8Array): CurrentHeader {
  const parsed = [first, second].map((bytes) => {
    try {
      return { header: parseHeader(bytes), error: null };
    } catch (err) {
      return { header: null, error: err instanceof Error ? err.message : String(err) };
    }
  });
  const [a, b] = parsed as [(typeof parsed)[number], (typeof parsed)[number]];
  if (!a.header && !b.header) {
    throw bad(`neither VHDX header is valid: at 64 KiB ${a.error}; at 128 KiB ${b.error}`);
  }
  const warnings: string[] = [];
  if (!a.header) warnings.push(`the VHDX header at 64 KiB is damaged (${a.error}); using the copy at 128 KiB`);
  if (!b.header) warnings.push(`the VHDX header at 128 KiB is damaged (${b.error}); using the copy at 64 KiB`);
  const copy = !b.header || (a.header && a.header.sequenceNumber >= b.header.sequenceNumber) ? 0 : 1;
  return { header: (copy === 0 ? a.header : b.header)!, copy, warnings };
}

export function serializeHeader(header: VhdxHeader): Uint8Array {
  const bytes = new Uint8Array(HEADER_SIZE);
  const dv = leView(bytes);
  putAscii(bytes, 0, SIGNATURE);
  dv.setBigUint64(8, header.sequenceNumber, true);
  writeGuid(bytes, 16, header.fileWriteGuid);
  writeGuid(bytes, 32, header.dataWriteGuid);
  writeGuid(bytes, 48, header.logGuid);
  dv.setUint16(64, header.logVersion, true);
  dv.setUint16(66, header.version, true);
  dv.setUint32(68, header.logLength, true);
  dv.setBigUint64(72, BigInt(header.logOffset), true);
  dv.setUint32(CHECKSUM_OFFSET, crc32cWithZeroedField(bytes, CHECKSUM_OFFSET), true);
  return bytes;
}

function hex(n: number): string {
  return n.toString(16).padStart(8, '0');
}
