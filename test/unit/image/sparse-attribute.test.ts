// The sparse mark Hyper-V refuses on a VHDX: asked of Windows through PowerShell, never asked elsewhere. This
// machine is not Windows, so the question is answered by a stand-in for powershell.exe that records what it was asked.
import { describe, expect, it } from 'vitest';
import { markedSparse, sparseWarning } from '../../../electron/engine/io/sparse-attribute';

describe('the sparse mark', () => {
  const asked: { script: string; path: string }[] = [];
  const answering = (out: string | Error) => (script: string, path: string) => {
    asked.push({ script, path });
    return out instanceof Error ? Promise.reject(out) : Promise.resolve(out);
  };

  it('is read from the file attributes on Windows, the path passed outside the script', async () => {
    const path = "C:\\VMs\\it's $(here).vhdx";
    expect(await markedSparse(path, 'win32', answering('512\r\n'))).toBe(true);
    expect(asked.at(-1)!.path).toBe(path);
    expect(asked.at(-1)!.script).not.toContain(path);
    expect(asked.at(-1)!.script).toContain('-band 512');
    expect(await markedSparse(path, 'win32', answering('0\r\n'))).toBe(false);
  });

  it('is unknown when PowerShell fails or says something else, and never asked off Windows', async () => {
    expect(await markedSparse('C:\\a.vhdx', 'win32', answering(new Error('not found')))).toBeNull();
    expect(await markedSparse('C:\\a.vhdx', 'win32', answering('Get-Item : Cannot find path'))).toBeNull();
    const before = asked.length;
    expect(await markedSparse('/tmp/a.vhdx', 'linux', answering('512'))).toBeNull();
    expect(asked).toHaveLength(before);
  });

  it('warns in words that say what to do', () => {
    expect(sparseWarning('C:\\a.vhdx')).toMatch(/Hyper-V refuses .*fsutil sparse setflag "C:\\a.vhdx" 0/);
  });
});
