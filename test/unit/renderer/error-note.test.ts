// An error in plain words: the sentence, what to do (in the app's terms where the engine names a CLI command), the code.
import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import ErrorNote from '../../../renderer/src/components/ErrorNote.vue';
import { createAppI18n } from '../../../renderer/src/i18n';

function note(code: string, remedy: string) {
  return mount(ErrorNote, {
    props: { error: { code, message: 'the parent base.vhd of child.vhd was not found', remedy } },
    global: { plugins: [createAppI18n()] },
  });
}

describe('ErrorNote', () => {
  it('says where the app does what a CLI remedy names', () => {
    const text = note('VHD_PARENT_NOT_FOUND', 'point the child at it with `platter set-parent CHILD PARENT`').text();
    expect(text).toContain('The parent base.vhd of child.vhd was not found.');
    expect(text).toContain('use Fix… in the differencing chain');
    expect(text).not.toContain('platter set-parent');
    expect(text).toContain('code VHD_PARENT_NOT_FOUND');
  });

  it('keeps a remedy that names no command, whatever its code', () => {
    const text = note('VHD_PARENT_NOT_FOUND', 'put the parent back where it was').text();
    expect(text).toContain('What to do: put the parent back where it was');
  });

  it('an image in use: the app says to stop the VM, not to use a command-line option', () => {
    const text = note(
      'IN_USE',
      'stop the virtual machine or let the other program finish, then try again (or read it anyway with `platter convert --force-share` or `platter hash --force-share`, at the risk of an inconsistent result)',
    ).text();
    expect(text).toContain('What to do: stop the virtual machine or let the other program finish, then try again');
    expect(text).not.toContain('force-share');
  });
});
