// Property tests for every VHDX structure: what serialize writes, parse reads back unchanged; and parse given any
// bytes either succeeds or throws a PlatterError, never anything else.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isPlatterError } from '../../electron/engine/errors';
import {
  PAYLOAD_STATE,
  batGeometry,
  createBat,
  parseBat,
  readBatEntry,
  serializeBat,
  writeBatEntry,
} from '../../electron/engine/formats/vhdx/bat';
import { crc32c } from '../../electron/engine/formats/vhdx/crc32c';
import { MIB } from '../../electron/engine/formats/vhdx/fields';
import { parseFileIdentifier, serializeFileIdentifier } from '../../electron/engine/formats/vhdx/file-identifier';
import { parseGuidText, readGuid, writeGuid } from '../../electron/engine/formats/vhdx/guid';
import { HEADER_SIZE, parseHeader, serializeHeader } from '../../electron/engine/formats/vhdx/header';
import type { VhdxHeader } from '../../electron/engine/formats/vhdx/header';
import * as items from '../../electron/engine/formats/vhdx/metadata-items';
import {
  METADATA_TABLE_SIZE,
  parseMetadataTable,
  serializeMetadataTable,
} from '../../electron/engine/formats/vhdx/metadata-table';
import type { MetadataEntry } from '../../electron/engine/formats/vhdx/metadata-table';
import { parseParentLocator, serializeParentLocator } from '../../electron/engine/formats/vhdx/parent-locator';
import {
  REGION_TABLE_SIZE,
  parseRegionTable,
  serializeRegionTable,
} from '../../electron/engine/formats/vhdx/region-table';

const guid = fc.uuid({ version: 4 }).map((g) => g.toLowerCase());

/** Runs `parse` and fails the property on any exception that is not a PlatterError. */
function parsesOrRefuses(parse: () => unknown): boolean {
  try {
    parse();
    return true;
  } catch (err) {
    if (isPlatterError(err)) return true;
    throw err;
  }
}

/** Bytes of `size` that are random, or a valid structure with random edits (which reaches past the signature). */
function damaged(valid: fc.Arbitrary<Uint8Array>, size: number): fc.Arbitrary<Uint8Array> {
  const edits = fc.array(fc.tuple(fc.nat(size - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 8 });
  return fc.oneof(
    fc.uint8Array({ minLength: size, maxLength: size }),
    fc.tuple(valid, edits).map(([bytes, changes]) => {
      const copy = Uint8Array.from(bytes);
      for (const [at, value] of changes) copy[at % copy.length] = value;
      return copy;
    }),
  );
}

const header: fc.Arbitrary<VhdxHeader> = fc.record({
  sequenceNumber: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  fileWriteGuid: guid,
  dataWriteGuid: guid,
  logGuid: guid,
  logVersion: fc.integer({ min: 0, max: 0xffff }),
  version: fc.integer({ min: 0, max: 0xffff }),
  logLength: fc.integer({ min: 0, max: 0xffffffff }),
  logOffset: fc.maxSafeNat(),
});

const regionTable = fc
  .uniqueArray(
    fc.record({
      guid,
      fileOffset: fc.integer({ min: 1, max: 2 ** 30 }).map((n) => n * MIB),
      length: fc.integer({ min: 0, max: 4095 }).map((n) => n * MIB),
      required: fc.boolean(),
    }),
    { selector: (e) => e.guid, maxLength: 20 },
  )
  .map((entries) => ({ entries }));

const metadataEntries = fc
  .uniqueArray(
    fc.record({
      itemId: guid,
      offset: fc.integer({ min: 0, max: 14 }).map((n) => METADATA_TABLE_SIZE + n * MIB),
      length: fc.integer({ min: 1, max: MIB }),
      isUser: fc.boolean(),
      isVirtualDisk: fc.boolean(),
      isRequired: fc.boolean(),
    }),
    { selector: (e) => e.offset, maxLength: 15 },
  )
  .map((entries) =>
    entries.filter((e, i) => entries.findIndex((o) => o.itemId === e.itemId && o.isUser === e.isUser) === i),
  );

describe('VHDX structures round-trip and refuse damage with typed errors', () => {
  it('header', () => {
    fc.assert(fc.property(header, (h) => void expect(parseHeader(serializeHeader(h))).toEqual(h)));
    fc.assert(
      fc.property(damaged(header.map(serializeHeader), HEADER_SIZE), (b) => parsesOrRefuses(() => parseHeader(b))),
    );
  });

  it('region table', () => {
    fc.assert(fc.property(regionTable, (t) => void expect(parseRegionTable(serializeRegionTable(t))).toEqual(t)));
    const bytes = damaged(regionTable.map(serializeRegionTable), REGION_TABLE_SIZE);
    fc.assert(fc.property(bytes, (b) => parsesOrRefuses(() => parseRegionTable(b))));
  });

  it('metadata table', () => {
    const region = 16 * MIB;
    fc.assert(
      fc.property(
        metadataEntries,
        (entries: MetadataEntry[]) =>
          void expect(parseMetadataTable(serializeMetadataTable(entries), region)).toEqual(entries),
      ),
    );
    const bytes = damaged(metadataEntries.map(serializeMetadataTable), METADATA_TABLE_SIZE);
    fc.assert(
      fc.property(bytes, fc.integer({ min: 0, max: 2 ** 32 }), (b, length) =>
        parsesOrRefuses(() => parseMetadataTable(b, length)),
      ),
    );
  });

  it('metadata items', () => {
    const params = fc.record({
      blockSize: fc.integer({ min: 20, max: 28 }).map((k) => 2 ** k),
      leaveBlocksAllocated: fc.boolean(),
      hasParent: fc.boolean(),
    });
    fc.assert(
      fc.property(params, (p) => void expect(items.parseFileParameters(items.serializeFileParameters(p))).toEqual(p)),
    );
    const size = fc.integer({ min: 0, max: 2 ** 46 / 512 }).map((n) => n * 512);
    fc.assert(
      fc.property(size, (s) => void expect(items.parseVirtualDiskSize(items.serializeVirtualDiskSize(s))).toBe(s)),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(512, 4096),
        (s) => void expect(items.parseSectorSize(items.serializeSectorSize(s), 'sector size')).toBe(s),
      ),
    );
    fc.assert(fc.property(guid, (g) => void expect(items.parsePage83Data(items.serializePage83Data(g))).toBe(g)));
    // Any set of items: a disk's metadata, or a PlatterError.
    const anyItem = fc.uint8Array({ maxLength: 64 });
    const known = Object.values(items.METADATA_GUID);
    const set = fc.dictionary(fc.constantFrom(...known), anyItem);
    fc.assert(fc.property(set, (d) => parsesOrRefuses(() => items.parseMetadata(new Map(Object.entries(d))))));
  });

  it('parent locator', () => {
    const pairs = fc.record({
      parent_linkage: guid.map((g) => `{${g}}`),
      relative_path: fc.string({ minLength: 1, maxLength: 40 }).filter((s) => !s.includes('\0')),
    });
    fc.assert(
      fc.property(pairs, (p) => {
        const locator = parseParentLocator(serializeParentLocator(p));
        expect(locator.parentLinkage).toBe(p.parent_linkage.slice(1, -1));
        expect(locator.relativePath).toBe(p.relative_path);
      }),
    );
    const bytes = fc.oneof(fc.uint8Array({ maxLength: 300 }), damaged(pairs.map(serializeParentLocator), 120));
    fc.assert(fc.property(bytes, (b) => parsesOrRefuses(() => parseParentLocator(b))));
  });

  it('BAT entries and tables', () => {
    const entry = fc.record({
      state: fc.integer({ min: 0, max: 7 }),
      fileOffsetMiB: fc.integer({ min: 0, max: 2 ** 44 - 1 }),
    });
    fc.assert(
      fc.property(entry, (e) => {
        const dv = new DataView(new ArrayBuffer(8));
        writeBatEntry(dv, 0, e);
        expect(readBatEntry(dv, 0)).toEqual(e);
      }),
    );
    const geometry = fc
      .record({
        blockSize: fc.constantFrom(MIB, 2 * MIB, 32 * MIB),
        logicalSectorSize: fc.constantFrom(512, 4096),
        virtualSize: fc.integer({ min: 1, max: 4096 }).map((n) => n * 4096 * 64),
        hasParent: fc.boolean(),
      })
      .map(batGeometry);
    const fileSize = 2 ** 50; // every block offset below lies inside it
    fc.assert(
      fc.property(geometry, fc.infiniteStream(fc.constantFrom(0, 2, 3, 6)), (g, states) => {
        const bat = createBat(g);
        for (let b = 0; b < g.payloadBlocks; b++) {
          const state = states.next().value;
          bat.payloadState[b] = state;
          if (state === PAYLOAD_STATE.fullyPresent) bat.payloadOffsetMiB[b] = 1 + b;
        }
        expect(parseBat(serializeBat(bat, g), g, fileSize)).toEqual(bat);
      }),
      { numRuns: 50 },
    );
    fc.assert(
      fc.property(geometry, fc.uint8Array({ maxLength: 4096 }), fc.nat(), (g, b, size) =>
        parsesOrRefuses(() => parseBat(b, g, size)),
      ),
      { numRuns: 50 },
    );
  });

  it('file identifier, GUIDs and CRC-32C', () => {
    const creator = fc.string({ maxLength: 100 }).filter((s) => !s.includes('\0'));
    fc.assert(
      fc.property(
        creator,
        (c) => void expect(parseFileIdentifier(serializeFileIdentifier({ creator: c }))).toEqual({ creator: c }),
      ),
    );
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), (b) => parsesOrRefuses(() => parseFileIdentifier(b))));
    fc.assert(
      fc.property(guid, (g) => {
        const bytes = new Uint8Array(16);
        writeGuid(bytes, 0, g);
        expect(readGuid(bytes, 0)).toBe(g);
        expect(parseGuidText(`{${g.toUpperCase()}}`)).toBe(g);
      }),
    );
    fc.assert(
      fc.property(fc.uint8Array(), fc.uint8Array(), (a, b) => {
        const whole = new Uint8Array([...a, ...b]);
        expect(crc32c(b, crc32c(a))).toBe(crc32c(whole));
      }),
    );
  });
});
