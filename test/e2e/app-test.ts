// The Playwright fixture every spec uses: a fresh folder, a bridge (real handlers and engine) over it, and the
// app loaded in Chromium with the bridge's API. Console errors and CSP violations fail the test.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test as base, expect } from '@playwright/test';
import type { Page } from '@playwright/test';
import type { ImageDetails, IpcResult, PlatterApi } from '../../shared/ipc-contract';
import { startBridge } from './bridge/bridge-server';
import type { Bridge } from './bridge/bridge-server';
import { installPageApi, pageApiArgs } from './bridge/page-api';

export const SCREENSHOT_DIR = resolve(import.meta.dirname, '../../test-results/screenshots');

export interface AppFixtures {
  /** A fresh folder for this test's files (dropped files come from here). */
  dir: string;
  bridge: Bridge;
  app: Page;
}

export const test = base.extend<AppFixtures>({
  // eslint-disable-next-line no-empty-pattern
  dir: async ({}, use) => {
    const dir = await mkdtemp(join(tmpdir(), 'platter-e2e-'));
    await use(dir);
    await rm(dir, { recursive: true, force: true });
  },
  bridge: async ({ dir }, use) => {
    const userData = join(dir, '.user-data');
    await mkdir(userData);
    const bridge = await startBridge({ userDataDir: userData });
    await use(bridge);
    await bridge.close();
  },
  app: async ({ page, bridge, dir }, use) => {
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    await page.addInitScript(installPageApi, pageApiArgs(dir));
    await page.goto(`${bridge.url}/index.html`);
    await expect(page.getByTestId('home-view')).toBeVisible();
    await use(page);
    expect(problems, 'console errors or CSP violations in the page').toEqual([]);
  },
});

export { expect };

/** Saves a screenshot of the whole window as test-results/screenshots/<name>.png. */
export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

/** Drops files (by name, from the test's folder) on the drop zone as a real DataTransfer. */
export async function drop(page: Page, names: readonly string[]): Promise<void> {
  const transfer = await page.evaluateHandle((list) => {
    const dt = new DataTransfer();
    for (const name of list) dt.items.add(new File([new Uint8Array(16)], name));
    return dt;
  }, names);
  const zone = page.getByTestId('drop-zone');
  await zone.dispatchEvent('dragenter', { dataTransfer: transfer });
  await zone.dispatchEvent('dragover', { dataTransfer: transfer });
  await zone.dispatchEvent('drop', { dataTransfer: transfer });
}

/** What image:info answers for `path`, asked from the page through the bridge's real handler table. */
export async function askImageInfo(page: Page, path: string): Promise<ImageDetails> {
  const answer: IpcResult<ImageDetails> = await page.evaluate(
    (p) => (window as unknown as { platter: PlatterApi }).platter.imageInfo({ path: p }),
    path,
  );
  if (!answer.ok) throw new Error(`image:info ${path}: ${answer.error.code} ${answer.error.message}`);
  return answer.value;
}
