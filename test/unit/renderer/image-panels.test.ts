// The Image view's actions and facts as a new user reads them: what cannot run is disabled with its reason; sizes
// that differ say so in exact bytes; Azure readiness is a neutral line whose button is not the primary one.
import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import AzureLine from '../../../renderer/src/components/AzureLine.vue';
import ConsumersPanel from '../../../renderer/src/components/ConsumersPanel.vue';
import ImageActions from '../../../renderer/src/components/ImageActions.vue';
import { createAppI18n } from '../../../renderer/src/i18n';
import type { AzureReadiness, ImageActions as Actions, ImageDetails } from '../../../shared/ipc-contract';

const MiB = 1024 * 1024;
beforeEach(() => setActivePinia(createPinia()));
const global = { plugins: [createAppI18n()] };

const allowed: Actions = {
  convert: null,
  compact: null,
  check: null,
  createChild: null,
  resize: null,
  merge: 'not-for-type',
  hash: null,
};

/** The fields the actions read. */
function details(actions: Actions, missing: boolean): ImageDetails {
  const link = {
    status: 'found',
    path: '/d/child.vhd',
    format: 'vhd',
    diskType: 'differencing',
    virtualSize: 1,
    uuid: 'u',
  };
  const lost = {
    status: 'missing',
    childPath: '/d/child.vhd',
    expectedName: 'base.vhd',
    expectedUuid: 'v',
    error: { code: 'VHD_PARENT_NOT_FOUND', message: 'not found' },
  };
  return {
    path: '/d/child.vhd',
    kind: { format: 'VHD', madeBy: 'Hyper-V', layout: null },
    diskType: missing ? 'differencing' : 'dynamic',
    actions,
    capabilities: { compact: true, resize: true, merge: true, setParent: true, createChild: true, repair: true },
    chain: missing ? [link, lost] : [link],
  } as unknown as ImageDetails;
}

describe('ImageActions', () => {
  it('a child whose parent is missing: only Fix parent, Check (and Show in folder) are enabled, each other says why', () => {
    const actions: Actions = {
      convert: 'parent-missing',
      compact: 'parent-missing',
      check: null,
      createChild: 'parent-missing',
      resize: 'parent-missing',
      merge: 'parent-missing',
      hash: 'parent-missing',
    };
    const bar = mount(ImageActions, { props: { info: details(actions, true), hashing: false }, global });
    const enabled = bar.findAll('button').filter((b) => b.attributes('disabled') === undefined);
    expect(enabled.map((b) => b.attributes('data-testid'))).toEqual(['action-fix-parent', 'action-check']);
    expect(bar.get('[data-testid="action-fix-parent"]').classes()).toContain('primary');
    for (const id of ['convert', 'compact', 'child', 'resize', 'merge', 'hash']) {
      const button = bar.get(`[data-testid="action-${id}"]`);
      expect(button.attributes('disabled')).toBeDefined();
      expect(button.attributes('title')).toBe(
        'The parent disk is missing: use Fix parent… to point this disk at it first.',
      );
      const described = bar.get(`[id="${button.attributes('aria-describedby')}"]`);
      expect(described.text()).toBe(button.attributes('title'));
    }
  });

  it('a plain disk: Convert is the one primary action; Merge is disabled saying only a child merges', async () => {
    const bar = mount(ImageActions, { props: { info: details(allowed, false), hashing: false }, global });
    expect(bar.findAll('button.primary').map((b) => b.attributes('data-testid'))).toEqual(['action-convert']);
    expect(bar.find('[data-testid="action-fix-parent"]').exists()).toBe(false);
    expect(bar.get('[data-testid="action-merge"]').attributes('title')).toBe(
      'Only a differencing disk can be merged into its parent.',
    );
    await bar.get('[data-testid="action-hash"]').trigger('click');
    expect(bar.emitted('hash')).toHaveLength(1);
  });

  it('what the format cannot do names the format', () => {
    const bar = mount(ImageActions, {
      props: { info: details({ ...allowed, resize: 'not-for-format' }, false), hashing: false },
      global,
    });
    expect(bar.get('[data-testid="action-resize"]').attributes('title')).toBe(
      'Platter does not do this with a VHD image.',
    );
  });
});

describe('ConsumersPanel', () => {
  it('only Virtual PC differs: a neutral fact, with the exact bytes and the difference', () => {
    const panel = mount(ConsumersPanel, {
      props: {
        sizes: { hyperV: 10 * MiB, virtualBox: 10 * MiB, virtualPc: 10_477_568, qemuImg: 10 * MiB, disagree: true },
      },
      global,
    });
    expect(panel.get('[data-testid="consumers-verdict"]').classes()).not.toContain('warn');
    expect(panel.get('[data-testid="consumer-virtualPc-diff"]').text()).toBe(
      'Virtual PC sees 10,477,568 bytes: 8,192 fewer',
    );
    expect(panel.get('[data-testid="consumer-hyperV"]').text()).toBe('10,485,760 bytes');
  });

  it('qemu-img reads another size: a warning, in exact bytes', () => {
    const panel = mount(ConsumersPanel, {
      props: {
        sizes: { hyperV: 4 * MiB, virtualBox: 4 * MiB, virtualPc: 4_177_920, qemuImg: 4_177_920, disagree: true },
      },
      global,
    });
    expect(panel.get('[data-testid="consumers-verdict"]').classes()).toContain('warn');
    expect(panel.get('[data-testid="consumer-qemuImg-diff"]').text()).toBe(
      'qemu-img sees 4,177,920 bytes: 16,384 fewer',
    );
  });

  it('every consumer agrees: sizes in human units, no warning', () => {
    const s = 8 * MiB;
    const panel = mount(ConsumersPanel, {
      props: { sizes: { hyperV: s, virtualBox: s, virtualPc: s, qemuImg: s, disagree: false } },
      global,
    });
    expect(panel.get('[data-testid="consumer-qemuImg"]').text()).toBe('8 MiB');
    expect(panel.get('[data-testid="consumers-verdict"]').text()).toBe('Every consumer reads the same size.');
  });
});

describe('AzureLine', () => {
  const off = (virtualSize: number, fileSize: number): AzureReadiness => ({
    ready: false,
    checks: [
      { id: 'format', ok: true, actual: 'vhd', expected: 'vhd' },
      { id: 'fixed', ok: true, actual: 'fixed', expected: 'fixed' },
      {
        id: 'whole-mib',
        ok: virtualSize % MiB === 0,
        actual: virtualSize,
        expected: Math.ceil(virtualSize / MiB) * MiB,
      },
      { id: 'max-size', ok: true, actual: virtualSize, expected: 32 * 1024 ** 4 },
      { id: 'file-size', ok: fileSize === virtualSize + 512, actual: fileSize, expected: virtualSize + 512 },
    ],
  });

  it('a size just past a whole MiB is said in exact bytes, not as "1.00 GiB"', () => {
    const size = 1024 * MiB + 512;
    const line = mount(AzureLine, { props: { azure: off(size, size + 512), path: '/d/a.vhd' }, global });
    expect(line.text()).toContain('the size, 1,073,742,336 bytes, is 512 bytes past a whole number of MiB');
    expect(line.text()).not.toContain('1.00 GiB');
    expect(line.classes()).not.toContain('warn');
    expect(line.get('[data-testid="azure-fix"]').classes()).not.toContain('primary');
  });

  it('a file size a few bytes off shows both exactly', () => {
    const size = 64 * MiB;
    const line = mount(AzureLine, { props: { azure: off(size, size + 1024), path: '/d/a.vhd' }, global });
    expect(line.text()).toContain('file size 67,109,888 bytes should be 67,109,376 bytes');
  });
});
