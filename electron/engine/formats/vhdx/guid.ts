import { randomUUID } from 'node:crypto';

// GUIDs in VHDX are stored in Microsoft's binary form: Data1 (u32), Data2 and Data3 (u16) little-endian, then 8
// bytes in order. Text form here is lowercase, without braces.

export const GUID_SIZE = 16;
export const NIL_GUID = '00000000-0000-0000-0000-000000000000';

/** Byte order of the text form's hex pairs in the binary form. */
const ORDER = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15];

export function readGuid(bytes: Uint8Array, offset: number): string {
  let hex = '';
  for (const i of ORDER) hex += bytes[offset + i]!.toString(16).padStart(2, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Parses `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, with or without braces; null when it is not a GUID. */
export function parseGuidText(text: string): string | null {
  const match = /^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?$/.exec(
    text.trim(),
  );
  return match ? match[1]!.toLowerCase() : null;
}

export function writeGuid(bytes: Uint8Array, offset: number, guid: string): void {
  const text = parseGuidText(guid);
  if (!text) throw new RangeError(`not a GUID: ${guid}`);
  const hex = text.replace(/-/g, '');
  ORDER.forEach((at, i) => {
    bytes[offset + at] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  });
}

export function randomGuid(): string {
  return randomUUID();
}
