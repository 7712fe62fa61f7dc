// How a new image's format and options read in the wizards: "VHDX", "VHDX, Dynamic", a preset with its format.
import { useI18n } from 'vue-i18n';
import type { FormatName, PresetInfo } from '../../../shared/ipc-contract';
import { formatBytes } from '../lib/format';
import { applicableOptions } from '../lib/output-choice';
import type { OutputChoice } from '../lib/output-choice';

export function useOutputText() {
  const { t } = useI18n();
  const formatLabel = (format: FormatName) => t(`output.formats.${format}`);

  /** The format, and the type where the format has types: "VHD, Dynamic". */
  function describe(choice: OutputChoice): string {
    const format = formatLabel(choice.format);
    return applicableOptions(choice).type ? `${format}, ${t(`image.diskTypes.${choice.type}`)}` : format;
  }

  /** Everything the choice decides: "VHDX, Dynamic, 1 MiB blocks, sectors of 512 bytes (4096 physical)". */
  function describeFully(choice: OutputChoice): string {
    const applies = applicableOptions(choice);
    const parts = [describe(choice)];
    if (applies.blockSize) parts.push(t('output.blocks', { size: formatBytes(choice.blockSize) }));
    if (applies.sectorSizes)
      parts.push(t('output.sectorsValue', { logical: choice.logicalSectorSize, physical: choice.physicalSectorSize }));
    return parts.join(', ');
  }

  const presetLabel = (preset: PresetInfo) =>
    t('output.preset', { name: preset.name, format: formatLabel(preset.format), description: preset.description });

  return { formatLabel, describe, describeFully, presetLabel };
}
