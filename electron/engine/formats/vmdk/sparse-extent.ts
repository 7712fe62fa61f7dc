// A sparse extent's grains, found through its grain directory (GD) and grain tables (GTs): plain grains (KDMV,
// COWD) and the deflate-compressed grains of a stream-optimized extent, each behind a 12-byte marker
// (lba, size). The GD is read once (it lies in the file, so the file bounds it); GTs on demand, a bounded cache.
import { inflateSync } from 'node:zlib';
import { PlatterError } from '../../errors';
import type { ExtentFile } from './ova';
import { FLAG_COMPRESSED, FLAG_ZEROED_GRAIN_GTE, SECTOR, parseKdmvHeader } from './sparse-header';
import type { SparseHeader } from './sparse-header';
import type { ExtentReader, Run } from './extent-reader';

const GT_CACHE_BYTES = 16 * 1024 * 1024;
/** The lba and size fields before a compressed grain's data. */
export const GRAIN_MARKER_BYTES = 12;

/** What a grain table entry says of a grain. */
export type GrainEntry = { kind: 'unallocated' } | { kind: 'zero' } | { kind: 'data'; sector: number };

export function gtOutOfRange(path: string, message: string): PlatterError {
  return new PlatterError(
    'VMDK_GT_OUT_OF_RANGE',
    `the VMDK extent ${path} ${message}`,
    'the file was cut short or its tables are damaged; copy it again from where it came from',
    { path },
  );
}

function badGrain(path: string, message: string): PlatterError {
  return new PlatterError(
    'VMDK_BAD_GRAIN',
    `the VMDK extent ${path} ${message}`,
    'the file is damaged; copy it again',
    {
      path,
    },
  );
}

/** The largest compressed grain accepted: deflate's worst case for a grain of incompressible data, and some. */
export function maxCompressedBytes(grainBytes: number): number {
  return grainBytes + (grainBytes >>> 10) + 1024;
}

/**
 * The header in use: a stream-optimized extent written in one pass has GD_AT_END in its first header and the real
 * one in the footer copy, 1024 bytes before the end (a footer marker before it, the end-of-stream marker after).
 */
export async function readSparseHeaderInUse(file: ExtentFile, first: SparseHeader): Promise<SparseHeader> {
  if (first.gdOffset !== null || first.kind !== 'KDMV') return first;
  if (file.size < 3 * SECTOR)
    throw gtOutOfRange(file.path, 'says its grain directory is at its end, but has no footer');
  const footer = parseKdmvHeader(await file.readAt(file.size - 2 * SECTOR, SECTOR), `${file.path} (footer)`);
  if (footer.gdOffset === null) throw gtOutOfRange(file.path, 'has a footer without a grain directory offset');
  return footer;
}

/**
 * Grain tables never share sectors: a directory whose entries point at one table again and again would make a
 * small file a disk of petabytes of grains (and every walk over it as long). So the tables a file describes are
 * bounded by its size.
 */
function checkDistinctTables(gd: Uint32Array, gtesPerGt: number, path: string): void {
  const sectors = Math.ceil((gtesPerGt * 4) / SECTOR);
  const sorted = gd.filter((s) => s !== 0).sort();
  for (let i = 1; i < sorted.length; i++)
    if (sorted[i - 1]! + sectors > sorted[i]!)
      throw gtOutOfRange(path, `has grain tables that overlap at sector ${sorted[i]} (its grain directory is damaged)`);
}

export class SparseExtent implements ExtentReader {
  private readonly gts = new Map<number, Uint32Array>();
  private lastGrain: { index: number; bytes: Uint8Array } | null = null;
  readonly grainBytes: number;
  readonly compressed: boolean;

  private constructor(
    readonly file: ExtentFile,
    readonly header: SparseHeader,
    /** GT sectors, one per directory entry (0: no table). */
    readonly gd: Uint32Array,
    /** Virtual bytes the descriptor gives this extent. */
    readonly bytes: number,
  ) {
    this.grainBytes = header.grainSectors * SECTOR;
    this.compressed = header.kind === 'KDMV' && (header.flags & FLAG_COMPRESSED) !== 0;
  }

  /** Reads the grain directory at `gdSector` (the primary one unless told). */
  static async open(
    file: ExtentFile,
    header: SparseHeader,
    bytes: number,
    gdSector = header.gdOffset ?? 0,
  ): Promise<SparseExtent> {
    const length = header.gdEntries * 4;
    if (gdSector === 0 || gdSector * SECTOR + length > file.size)
      throw gtOutOfRange(file.path, `has its grain directory (${length} bytes at sector ${gdSector}) outside the file`);
    const raw = await file.readAt(gdSector * SECTOR, length);
    const gd = new Uint32Array(header.gdEntries);
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    for (let i = 0; i < gd.length; i++) gd[i] = dv.getUint32(i * 4, true);
    checkDistinctTables(gd, header.gtesPerGt, file.path);
    return new SparseExtent(file, header, gd, bytes);
  }

  get path(): string {
    return this.file.path;
  }

  /** Bytes the header's capacity covers (reads past it, up to the descriptor's size, go beneath). */
  get capacityBytes(): number {
    return this.header.capacity * SECTOR;
  }

  /** Grain table `index`, or null when the directory has none there. */
  async table(index: number): Promise<Uint32Array | null> {
    const sector = this.gd[index] ?? 0;
    if (sector === 0) return null;
    const cached = this.gts.get(index);
    if (cached) return cached;
    const length = this.header.gtesPerGt * 4;
    if (sector * SECTOR + length > this.file.size)
      throw gtOutOfRange(this.path, `has grain table ${index} at sector ${sector}, past its end`);
    const raw = await this.file.readAt(sector * SECTOR, length);
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const gt = new Uint32Array(this.header.gtesPerGt);
    for (let i = 0; i < gt.length; i++) gt[i] = dv.getUint32(i * 4, true);
    if ((this.gts.size + 1) * length > GT_CACHE_BYTES) this.gts.clear();
    this.gts.set(index, gt);
    return gt;
  }

  /** What grain `grain` (within the capacity) is. */
  async entry(grain: number): Promise<GrainEntry> {
    const per = this.header.gtesPerGt;
    const gt = await this.table(Math.floor(grain / per));
    const value = gt ? gt[grain % per]! : 0;
    if (value === 0) return { kind: 'unallocated' };
    if (value === 1 && this.header.flags & FLAG_ZEROED_GRAIN_GTE) return { kind: 'zero' };
    return { kind: 'data', sector: value };
  }

  async read(target: Uint8Array, offset: number, beneath: (segment: Uint8Array, at: number) => Promise<void>) {
    let done = 0;
    while (done < target.length) {
      const pos = offset + done;
      const grain = Math.floor(pos / this.grainBytes);
      const inGrain = pos - grain * this.grainBytes;
      // Within the capacity a segment stops at its end (the rest reads beneath); past it, at the grain's end.
      const edge = pos < this.capacityBytes ? this.capacityBytes - pos : Infinity;
      const length = Math.min(this.grainBytes - inGrain, target.length - done, edge);
      const segment = target.subarray(done, done + length);
      const entry = pos >= this.capacityBytes ? ({ kind: 'unallocated' } as const) : await this.entry(grain);
      if (entry.kind === 'unallocated') await beneath(segment, pos);
      else if (entry.kind === 'zero') segment.fill(0);
      else if (this.compressed)
        segment.set((await this.inflated(grain, entry.sector)).subarray(inGrain, inGrain + length));
      else await this.readPlain(segment, entry.sector * SECTOR + inGrain);
      done += length;
    }
  }

  /** A plain grain's bytes (a grain cut short by the end of the file is a truncation, not zeros). */
  private async readPlain(segment: Uint8Array, at: number): Promise<void> {
    if (at + segment.length > this.file.size)
      throw gtOutOfRange(this.path, `has a grain at byte ${at}, past its end (the file was cut short)`);
    await this.file.read(segment, at);
  }

  /** The compressed grain behind the marker at `sector`, inflated to exactly one grain (bounded). */
  private async inflated(grain: number, sector: number): Promise<Uint8Array> {
    if (this.lastGrain?.index === grain) return this.lastGrain.bytes;
    const { size } = await this.marker(sector);
    const data = await this.file.readAt(sector * SECTOR + GRAIN_MARKER_BYTES, size);
    let out: Buffer;
    try {
      out = inflateSync(data, { maxOutputLength: this.grainBytes });
    } catch {
      throw badGrain(this.path, `has a compressed grain at sector ${sector} that does not inflate to one grain`);
    }
    const needed = Math.min(this.grainBytes, this.capacityBytes - grain * this.grainBytes);
    if (out.length < needed)
      throw badGrain(this.path, `has a compressed grain at sector ${sector} of ${out.length} bytes, not ${needed}`);
    const bytes = new Uint8Array(this.grainBytes);
    bytes.set(out);
    this.lastGrain = { index: grain, bytes };
    return bytes;
  }

  /** Inflates compressed grain `grain` behind the marker at `sector`, for check (BAD_GRAIN when it cannot). */
  async verifyGrain(grain: number, sector: number): Promise<void> {
    await this.inflated(grain, sector);
  }

  /** A compressed grain's marker, checked against the file and the grain size. */
  async marker(sector: number): Promise<{ lba: number; size: number }> {
    const at = sector * SECTOR;
    if (at + GRAIN_MARKER_BYTES > this.file.size)
      throw gtOutOfRange(this.path, `has a compressed grain at sector ${sector}, past its end`);
    const head = await this.file.readAt(at, GRAIN_MARKER_BYTES);
    const dv = new DataView(head.buffer, head.byteOffset, GRAIN_MARKER_BYTES);
    const lba = Number(dv.getBigUint64(0, true));
    const size = dv.getUint32(8, true);
    if (size === 0 || size > maxCompressedBytes(this.grainBytes) || at + GRAIN_MARKER_BYTES + size > this.file.size)
      throw badGrain(this.path, `has a compressed grain at sector ${sector} of ${size} bytes, which cannot be one`);
    return { lba, size };
  }

  /** The extent as runs: grains held, zero grains, and what reads beneath (unallocated, or past the capacity). */
  async runs(): Promise<Run[]> {
    const list: Run[] = [];
    const end = Math.min(this.bytes, this.capacityBytes);
    const grains = Math.ceil(end / this.grainBytes);
    const per = this.header.gtesPerGt;
    for (let t = 0; t * per < grains; t++) {
      const gt = await this.table(t);
      const count = Math.min(per, grains - t * per);
      if (!gt) {
        pushRun(
          list,
          t * per * this.grainBytes,
          Math.min(count * this.grainBytes, end - t * per * this.grainBytes),
          'beneath',
        );
        continue;
      }
      for (let i = 0; i < count; i++) {
        const start = (t * per + i) * this.grainBytes;
        const value = gt[i]!;
        const kind =
          value === 0 ? 'beneath' : value === 1 && this.header.flags & FLAG_ZEROED_GRAIN_GTE ? 'zero' : 'data';
        pushRun(list, start, Math.min(this.grainBytes, end - start), kind);
      }
    }
    pushRun(list, end, this.bytes - end, 'beneath');
    return list;
  }

  close(): Promise<void> {
    return this.file.close();
  }
}

export function pushRun(list: Run[], offset: number, length: number, kind: Run['kind']): void {
  if (length <= 0) return;
  const last = list[list.length - 1];
  if (last && last.kind === kind && last.offset + last.length === offset) last.length += length;
  else list.push({ offset, length, kind });
}
