// Builds the renderer into out/renderer (what the bridge serves), unpacks the fixtures, clears old screenshots.
import { execFileSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { unpackFixtures } from '../helpers/fixtures';

export default async function globalSetup(): Promise<void> {
  const root = resolve(import.meta.dirname, '../..');
  await rm(resolve(root, 'test-results/screenshots'), { recursive: true, force: true });
  await unpackFixtures();
  execFileSync(
    process.execPath,
    [resolve(root, 'node_modules/vite/bin/vite.js'), 'build', '-c', 'renderer/vite.config.ts', '--logLevel', 'warn'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
}
