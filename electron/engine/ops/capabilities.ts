// What Platter can do with an image of a given format and type, in one place: the CLI, the main process and the
// renderer ask this (it travels in the image details) instead of comparing format names, so an action is offered
// only where the engine will carry it out.
import type { DiskType } from '../formats/vhd/footer';

export interface ImageCapabilities {
  /** Drop blocks that read as zeros (dynamic and differencing VHD, dynamic VHDX). */
  readonly compact: boolean;
  /** Grow or shrink in place. */
  readonly resize: boolean;
  /** Write a differencing child into its parent. */
  readonly merge: boolean;
  /** Re-point a differencing child at its moved parent. */
  readonly setParent: boolean;
  /** Make an empty differencing child of this image. */
  readonly createChild: boolean;
  /** Fix what `check --repair` can fix without guessing. */
  readonly repair: boolean;
}

type Described = { readonly diskType: DiskType };

const BY_FORMAT: Record<'vhd' | 'vhdx', (image: Described) => ImageCapabilities> = {
  vhd: ({ diskType }) => ({
    compact: diskType !== 'fixed',
    resize: true,
    merge: diskType === 'differencing',
    setParent: diskType === 'differencing',
    createChild: true,
    repair: true,
  }),
  // Differencing VHDX children are read; writing them (merge, set-parent, children, their resize) comes next.
  vhdx: ({ diskType }) => ({
    compact: diskType === 'dynamic',
    resize: diskType !== 'differencing',
    merge: false,
    setParent: false,
    createChild: false,
    repair: true,
  }),
};

export function capabilitiesOf(format: 'vhd' | 'vhdx', image: Described): ImageCapabilities {
  return BY_FORMAT[format](image);
}
