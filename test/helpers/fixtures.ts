// Access to the real images in ../shared/fixtures. Without that folder the fixture tests skip, except in CI where
// its absence is a failure.
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, chmod } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';

export const FIXTURES_DIR = resolve(__dirname, '../../../shared/fixtures');

export interface FixtureEntry {
  readonly file: string;
  readonly format: 'vhd' | 'vhdx';
  readonly type: string;
  readonly producer: string;
  readonly creatorApp: string;
  readonly virtualSize: number;
  readonly contentSha256?: string;
  readonly qemuImg72VirtualSize?: number;
  readonly originalSize?: number;
  readonly parentLocators?: Record<string, string>;
  readonly expect?: string;
}

export const fixturesAvailable = existsSync(join(FIXTURES_DIR, 'manifest.json'));

if (!fixturesAvailable && process.env.CI === 'true') {
  throw new Error(`../shared/fixtures is missing at ${FIXTURES_DIR}; CI must have it`);
}

export function manifest(): FixtureEntry[] {
  if (!fixturesAvailable) return [];
  return JSON.parse(readFileSync(join(FIXTURES_DIR, 'manifest.json'), 'utf8')) as FixtureEntry[];
}

export function fixturePath(file: string): string {
  return join(FIXTURES_DIR, file);
}

/** Copies a fixture into `dir` (writable) so a test may change it; the shared copy is read-only. */
export async function copyFixture(file: string, dir: string): Promise<string> {
  const target = join(dir, basename(file));
  await copyFile(fixturePath(file), target);
  await chmod(target, 0o644);
  return target;
}
