// What the Image view may offer for a disk now, and why not: from the driver's capabilities, the chain (a child
// whose parent is missing cannot be read, so only Check and Fix parent work) and another program's use of it.
import type { ActionBlock, DiskType, ImageActions, ImageCapabilities } from '../../../shared/image';
import type { FormatDriver } from '../formats/driver';

export interface ActionState {
  readonly diskType: DiskType;
  readonly parentMissing: boolean;
  /** Whether the parent of a differencing disk was found. */
  readonly parentFound: boolean;
  readonly inUse: 'writing' | 'holding' | null;
}

/** `not-for-type` when another type of this format could do it, else `not-for-format`. */
function notCapable(driver: FormatDriver, key: keyof ImageCapabilities): ActionBlock {
  const types: readonly DiskType[] = ['fixed', 'dynamic', 'differencing'];
  return types.some((t) => driver.capabilities(t)[key]) ? 'not-for-type' : 'not-for-format';
}

export function imageActions(driver: FormatDriver, s: ActionState): ImageActions {
  const can = driver.capabilities(s.diskType);
  const writing: ActionBlock | null = s.inUse === 'writing' ? 'in-use-writing' : null;
  const held: ActionBlock | null = s.inUse === 'writing' ? 'in-use-writing' : s.inUse ? 'in-use-holding' : null;
  const parent: ActionBlock | null = s.parentMissing ? 'parent-missing' : null;
  const needs = (key: keyof ImageCapabilities) => (can[key] ? null : notCapable(driver, key));
  return {
    // Reading the whole disk (a copy, a hash) needs its parent and no other writer.
    convert: parent ?? writing,
    hash: parent ?? writing,
    check: null,
    compact: needs('compact') ?? parent ?? held,
    createChild: needs('createChild') ?? parent ?? writing,
    resize: needs('resize') ?? parent ?? held,
    merge: needs('merge') ?? (s.parentFound ? null : 'parent-missing') ?? held,
  };
}
