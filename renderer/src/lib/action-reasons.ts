// Why an action of the Image view is disabled, in one sentence: the action's own wording where there is one
// (imageInfo.why.<action>.<block>), else the general one (imageInfo.why.<block>).
import type { ActionBlock, ImageDetails } from '../../../shared/ipc-contract';

export type Translate = (key: string, values?: Record<string, unknown>) => string;
export type HasKey = (key: string) => boolean;

export function actionReason(
  t: Translate,
  te: HasKey,
  info: Pick<ImageDetails, 'kind' | 'diskType'>,
  action: string,
  block: ActionBlock,
): string {
  const values = { format: info.kind.format, type: t(`imageInfo.summary.types.${info.diskType}`) };
  const own = `imageInfo.why.${action}.${block}`;
  return t(te(own) ? own : `imageInfo.why.${block}`, values);
}
