import { describe, expect, it } from 'vitest';
import { isPlatterError } from '../../../electron/engine/errors';
import { crc32c } from '../../../electron/engine/formats/vhdx/crc32c';
import { parseFileIdentifier, serializeFileIdentifier } from '../../../electron/engine/formats/vhdx/file-identifier';
import { NIL_GUID } from '../../../electron/engine/formats/vhdx/guid';
import {
  HEADER_SIZE,
  checkHeaderFields,
  parseHeader,
  selectHeader,
  serializeHeader,
} from '../../../electron/engine/formats/vhdx/header';
import type { VhdxHeader } from '../../../electron/engine/formats/vhdx/header';

const MIB = 1024 * 1024;

const header: VhdxHeader = {
  sequenceNumber: 5n,
  fileWriteGuid: '386efdaf-576e-6447-8caa-7218669affba',
  dataWriteGuid: 'e19ae028-94ab-1548-a155-f143e2d00a3f',
  logGuid: NIL_GUID,
  logVersion: 0,
  version: 1,
  logLength: MIB,
  logOffset: MIB,
};

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isPlatterError(err) ? err.code : String(err);
  }
  return undefined;
}

describe('VHDX file identifier', () => {
  it('round-trips the creator', () => {
    const bytes = serializeFileIdentifier({ creator: 'Microsoft Windows 10.0.18363.0' });
    expect(String.fromCharCode(...bytes.subarray(0, 8))).toBe('vhdxfile');
    expect(parseFileIdentifier(bytes)).toEqual({ creator: 'Microsoft Windows 10.0.18363.0' });
  });

  it('refuses a file without the signature', () => {
    const bytes = serializeFileIdentifier({ creator: '' });
    bytes[0] = 0x56;
    expect(code(() => parseFileIdentifier(bytes))).toBe('VHDX_BAD_HEADER');
  });
});

describe('VHDX header', () => {
  it('round-trips every field', () => {
    const bytes = serializeHeader(header);
    expect(bytes.length).toBe(HEADER_SIZE);
    expect(String.fromCharCode(...bytes.subarray(0, 4))).toBe('head');
    expect(parseHeader(bytes)).toEqual(header);
  });

  it('keeps 64-bit sequence numbers exact', () => {
    const big = { ...header, sequenceNumber: 0xffff_ffff_ffff_fff0n };
    expect(parseHeader(serializeHeader(big)).sequenceNumber).toBe(big.sequenceNumber);
  });

  it('refuses a bad signature and a bad checksum', () => {
    const wrongSignature = serializeHeader(header);
    wrongSignature[0] = 0x48;
    expect(code(() => parseHeader(wrongSignature))).toBe('VHDX_BAD_HEADER');
    const wrongCrc = serializeHeader(header);
    wrongCrc[100] = 1;
    expect(() => parseHeader(wrongCrc)).toThrow(/checksum/);
    expect(code(() => parseHeader(new Uint8Array(100)))).toBe('VHDX_BAD_HEADER');
  });

  it('refuses a log offset beyond a safe integer', () => {
    const bytes = serializeHeader(header);
    new DataView(bytes.buffer).setBigUint64(72, 0xffff_ffff_ffff_0000n, true);
    expect(() => parseHeader(resealed(bytes))).toThrow(/log offset/);
  });
});

/** Recomputes the checksum of a hand-edited header. */
function resealed(bytes: Uint8Array): Uint8Array {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  dv.setUint32(4, 0, true);
  dv.setUint32(4, crc32c(bytes), true);
  return bytes;
}

describe('choosing the current header', () => {
  const older = serializeHeader({
    ...header,
    sequenceNumber: 6n,
    dataWriteGuid: '11111111-1111-1111-1111-111111111111',
  });
  const newer = serializeHeader({
    ...header,
    sequenceNumber: 7n,
    dataWriteGuid: '22222222-2222-2222-2222-222222222222',
  });
  const broken = newer.slice();
  broken[200] = 0xff - broken[200]!;

  it('takes the valid copy with the higher sequence number, wherever it is', () => {
    expect(selectHeader(older, newer)).toMatchObject({ copy: 1, header: { sequenceNumber: 7n }, warnings: [] });
    expect(selectHeader(newer, older)).toMatchObject({ copy: 0, header: { sequenceNumber: 7n } });
  });

  it('falls back to the other copy when one has a bad checksum', () => {
    const picked = selectHeader(older, broken);
    expect(picked.copy).toBe(0);
    expect(picked.header.sequenceNumber).toBe(6n);
    expect(picked.warnings[0]).toMatch(/128 KiB is damaged/);
    expect(selectHeader(broken, older).copy).toBe(1);
  });

  it('fails when both copies are bad', () => {
    expect(code(() => selectHeader(broken, new Uint8Array(HEADER_SIZE)))).toBe('VHDX_BAD_HEADER');
    expect(() => selectHeader(broken, broken)).toThrow(/neither VHDX header is valid/);
  });
});

describe('checking the current header', () => {
  const fileSize = 8 * MIB;

  it('accepts a well-placed log', () => {
    expect(() => checkHeaderFields(header, fileSize)).not.toThrow();
  });

  it('refuses an unknown version, a misaligned log and a log past the end', () => {
    expect(code(() => checkHeaderFields({ ...header, version: 2 }, fileSize))).toBe('VHDX_BAD_HEADER');
    expect(code(() => checkHeaderFields({ ...header, logOffset: MIB + 4096 }, fileSize))).toBe('VHDX_BAD_HEADER');
    expect(code(() => checkHeaderFields({ ...header, logLength: 4096 }, fileSize))).toBe('VHDX_BAD_HEADER');
    expect(code(() => checkHeaderFields({ ...header, logOffset: 0 }, fileSize))).toBe('VHDX_BAD_HEADER');
    expect(code(() => checkHeaderFields({ ...header, logOffset: 8 * MIB }, fileSize))).toBe('VHDX_BAD_HEADER');
  });

  it('refuses an unknown log version only when there is a log', () => {
    expect(() => checkHeaderFields({ ...header, logVersion: 3 }, fileSize)).not.toThrow();
    const withLog = { ...header, logVersion: 3, logGuid: '33333333-3333-3333-3333-333333333333' };
    expect(code(() => checkHeaderFields(withLog, fileSize))).toBe('VHDX_BAD_HEADER');
  });
});
