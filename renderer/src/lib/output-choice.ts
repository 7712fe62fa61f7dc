// What a new image is asked to be, as the Create and Convert wizards collect it: a format, then only the options
// that format takes. OUTPUT_OPTIONS (shared/formats.ts, read by the engine too) says which, so the wizards never
// name a format to decide what to offer or send.
import { FORMAT_EXTENSIONS, OUTPUT_OPTIONS, SECTOR_SIZE } from '../../../shared/ipc-contract';
import type { FormatName, PresetInfo, SectorSize } from '../../../shared/ipc-contract';

export type DiskKind = 'dynamic' | 'fixed';

export interface OutputChoice<F extends FormatName = FormatName> {
  readonly format: F;
  readonly type: DiskKind;
  readonly blockSize: number;
  readonly logicalSectorSize: SectorSize;
  readonly physicalSectorSize: SectorSize;
  readonly preallocate: boolean;
  /** The format's own layout and disk controller ('' where it has none), and compression (OUTPUT_OPTIONS). */
  readonly subformat: string;
  readonly adapter: string;
  readonly compress: boolean;
}

/** Which of the choice's fields the format takes, as it stands (a fixed disk has no block size). */
export interface ApplicableOptions {
  readonly type: boolean;
  readonly blockSize: boolean;
  readonly preallocate: boolean;
  readonly sectorSizes: boolean;
  readonly subformat: boolean;
  readonly adapter: boolean;
  readonly compress: boolean;
}

export function applicableOptions(choice: OutputChoice): ApplicableOptions {
  const options = OUTPUT_OPTIONS[choice.format];
  const typed = options.types.length > 0;
  const dynamic = typed && choice.type === 'dynamic';
  return {
    type: typed,
    blockSize: dynamic && options.blockSizes !== null,
    // Preallocation writes every byte: only where nothing is left to grow (a fixed disk, or a format without types).
    preallocate: !dynamic && options.preallocate,
    sectorSizes: options.sectorSizes,
    subformat: options.subformats.length > 1,
    adapter: options.adapters.length > 1,
    compress: options.compress,
  };
}

/** A fresh choice for `format`: its default block size, the type and sector sizes kept from `previous` if it takes them. */
export function defaultChoice<F extends FormatName>(format: F, previous?: OutputChoice): OutputChoice<F> {
  const options = OUTPUT_OPTIONS[format];
  const keptType = previous !== undefined && options.types.includes(previous.type) ? previous.type : undefined;
  return {
    format,
    type: keptType ?? options.types[0] ?? 'dynamic',
    blockSize: options.blockSizes?.default ?? 0,
    logicalSectorSize: previous?.logicalSectorSize ?? 512,
    physicalSectorSize: previous?.physicalSectorSize ?? 4096,
    preallocate: false,
    subformat: options.subformats[0] ?? '',
    adapter: options.adapters[0] ?? '',
    compress: false,
  };
}

/** What a preset writes, as a choice (the wizard shows it, locked). */
export function presetChoice(preset: PresetInfo): OutputChoice<PresetInfo['format']> {
  const base = defaultChoice(preset.format);
  return {
    ...base,
    type: preset.type,
    blockSize: preset.blockSize ?? base.blockSize,
    logicalSectorSize: preset.logicalSectorSize ?? base.logicalSectorSize,
    physicalSectorSize: preset.physicalSectorSize ?? base.physicalSectorSize,
    subformat: preset.subformat ?? base.subformat,
  };
}

export interface OutputFields {
  readonly type?: DiskKind;
  readonly blockSize?: number;
  readonly preallocate?: boolean;
  readonly logicalSectorSize?: SectorSize;
  readonly physicalSectorSize?: SectorSize;
  readonly subformat?: string;
  readonly adapter?: string;
  readonly compress?: boolean;
}

/** The request fields for a choice: exactly the options its format takes (the engine refuses any other). */
export function outputFields(choice: OutputChoice): OutputFields {
  const applies = applicableOptions(choice);
  return {
    ...(applies.type && { type: choice.type }),
    ...(applies.blockSize && { blockSize: choice.blockSize }),
    ...(applies.preallocate && { preallocate: choice.preallocate }),
    ...(applies.sectorSizes && {
      logicalSectorSize: choice.logicalSectorSize,
      physicalSectorSize: choice.physicalSectorSize,
    }),
    ...(applies.subformat && { subformat: choice.subformat }),
    ...(applies.adapter && { adapter: choice.adapter }),
    // Only asked for when on: Create, which never turns it on, sends no such field.
    ...(applies.compress && choice.compress && { compress: true }),
  };
}

export interface BlockSizeOption {
  readonly size: number;
  /** One of the sizes every reader of the format accepts. */
  readonly recommended: boolean;
}

/** The powers of two the format's blocks can be, smallest first; none for a format without blocks. */
export function blockSizeOptions(format: FormatName): BlockSizeOption[] {
  const range = OUTPUT_OPTIONS[format].blockSizes;
  if (range === null) return [];
  const sizes: BlockSizeOption[] = [];
  for (let size = range.min; size <= range.max; size *= 2)
    sizes.push({ size, recommended: range.portable.includes(size) });
  return sizes;
}

/** The size a virtual size must be a whole number of: the logical sector, where the format records one. */
export function sectorOf(choice: OutputChoice): number {
  return OUTPUT_OPTIONS[choice.format].sectorSizes ? choice.logicalSectorSize : SECTOR_SIZE;
}

/** The extension a new file of the format gets. */
export function defaultExtension(format: FormatName): string {
  return FORMAT_EXTENSIONS[format][0];
}

/** Whether the file name ends as the format's files do. */
export function nameFits(path: string, format: FormatName): boolean {
  const lower = path.toLowerCase();
  return FORMAT_EXTENSIONS[format].some((ext) => lower.endsWith(ext));
}

/** What Convert writes: an image in the chosen format, or a differencing child of a parent. */
export type ConvertTargetKind = 'image' | 'child';
