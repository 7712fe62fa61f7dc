// The accessibility scan: axe-core on every view and wizard step (Home, Preferences, About, the Image view of a
// fixture, each wizard's steps), in light and in dark; any serious or critical violation fails. Each place is
// also photographed at 1280x800 and 800x600 into test-results/screenshots/a11y/, listed in index.txt there.
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { convertImage } from '../../electron/engine/ops/convert';
import { convertToChild } from '../../electron/engine/ops/convert-delta';
import type { Bridge } from './bridge/bridge-server';
import { SCREENSHOT_DIR, drop, expect, test } from './app-test';
import { copyFixture, writeDataRaw } from './helpers';

const MiB = 1024 * 1024;
const A11Y_DIR = join(SCREENSHOT_DIR, 'a11y');
const SIZES = [
  { width: 1280, height: 800 },
  { width: 800, height: 600 },
] as const;

interface Found {
  readonly place: string;
  readonly rule: string;
  readonly impact: string;
  readonly targets: string[];
}

/** Scans the page as it is, then photographs it at each size; returns what axe found. */
async function visit(page: Page, theme: string, place: string): Promise<Found[]> {
  await page.setViewportSize(SIZES[0]);
  const result = await new AxeBuilder({ page }).analyze();
  const found = result.violations.map((v) => ({
    place,
    rule: v.id,
    impact: v.impact ?? 'unknown',
    targets: v.nodes.map((n) => n.target.join(' ')),
  }));
  for (const size of SIZES) {
    await page.setViewportSize(size);
    const file = `${theme}-${size.width}x${size.height}-${place}.png`;
    await page.screenshot({ path: join(A11Y_DIR, file), fullPage: true });
    await appendFile(join(A11Y_DIR, 'index.txt'), `${file}\n`);
  }
  await page.setViewportSize(SIZES[0]);
  return found;
}

/** Walks every view and wizard step, scanning each. */
async function walk(app: Page, dir: string, bridge: Bridge, theme: string): Promise<Found[]> {
  const found: Found[] = [];
  const at = async (place: string) => {
    found.push(...(await visit(app, theme, place)));
    await writeFile(join(A11Y_DIR, `axe-${theme}.json`), JSON.stringify(found, null, 2));
  };
  const next = () => app.getByTestId('wizard-next').click();
  // Back to the image's tab (a wizard closes from its own button or Escape; this works for every wizard).
  const backTo = async (path: string) => {
    await app.getByTestId('nav-home').click();
    await app.locator(`[title="${path}"]`).first().click();
    await expect(app.getByTestId('image-view')).toBeVisible();
  };

  await at('home');
  const prefs = app.getByTestId('nav-preferences');
  if ((await prefs.count()) > 0) {
    await prefs.click();
    await expect(app.getByTestId('preferences-view')).toBeVisible();
    await at('preferences');
  }
  bridge.services.events.emit('app:menu-command', { command: 'about' });
  await expect(app.getByTestId('about-view')).toBeVisible();
  await at('about');
  await app.getByTestId('nav-home').click();

  // The Image view of a fixture, and the wizards opened from it.
  const image = await copyFixture('vhd/hyperv-dynamic-10m.vhd', dir);
  await drop(app, ['hyperv-dynamic-10m.vhd']);
  await expect(app.getByTestId('allocation-map')).toBeVisible();
  await at('image-view');

  await app.getByTestId('action-check').click();
  await expect(app.getByTestId('check-clean')).toBeVisible();
  await at('check');
  await backTo(image);

  await app.getByTestId('action-compact').click();
  await expect(app.getByTestId('compact-estimate')).toBeVisible();
  await at('compact-step-1');
  await next();
  await at('compact-step-2');
  await next();
  await at('compact-step-3');
  await backTo(image);

  await app.getByTestId('action-resize').click();
  await app.getByTestId('resize-size').fill('40M');
  await at('resize-step-1');
  await next();
  await at('resize-step-2');
  await app.getByTestId('nav-home').click();

  // Merge needs a child with its parent beside it.
  const raw = join(dir, 'base.img');
  await writeDataRaw(raw, 16 * MiB, 4 * MiB);
  await convertImage({ input: raw, output: join(dir, 'base.vhd') });
  await convertToChild({ input: raw, output: join(dir, 'child.vhd'), parent: join(dir, 'base.vhd') });
  await app.getByTestId('nav-home').click();
  await drop(app, ['child.vhd']);
  await app.getByTestId('action-merge').click();
  await expect(app.getByTestId('merge-into')).toBeVisible();
  await at('merge-step-1');
  await next();
  await at('merge-step-2');
  await app.getByTestId('nav-home').click();

  await app.getByTestId('nav-create').click();
  await app.getByTestId('create-size').fill('64M');
  await at('create-step-1');
  await next();
  bridge.dialogs.answerSave(join(dir, 'new.vhd'));
  await app.getByTestId('create-path-choose').click();
  await expect(app.getByTestId('create-path')).toHaveValue(join(dir, 'new.vhd'));
  await at('create-step-2');
  await next();
  await at('create-step-3');
  await app.getByTestId('nav-home').click();

  await app.getByTestId('nav-convert').click();
  bridge.dialogs.answerOpen(raw);
  await app.getByTestId('convert-source-choose').click();
  await expect(app.getByTestId('convert-detected')).toBeVisible();
  await at('convert-step-1');
  await next();
  await app.getByTestId('convert-dest-custom').check();
  await at('convert-step-2');
  await next();
  await at('convert-step-3');
  await next();
  await at('convert-step-4');
  return found;
}

for (const theme of ['light', 'dark'] as const) {
  test.describe(`${theme}`, () => {
    test.use({ colorScheme: theme });

    test(`no serious or critical axe violation on any view or wizard step (${theme})`, async ({ app, dir, bridge }) => {
      test.setTimeout(600_000);
      await mkdir(A11Y_DIR, { recursive: true });
      const found = await walk(app, dir, bridge, theme);
      const byImpact: Record<string, number> = {};
      for (const f of found) byImpact[f.impact] = (byImpact[f.impact] ?? 0) + 1;
      console.log(`axe (${theme}): ${JSON.stringify(byImpact)}`);
      const blocking = found.filter((f) => f.impact === 'serious' || f.impact === 'critical');
      expect(blocking, 'serious or critical accessibility violations').toEqual([]);
    });
  });
}

/** WCAG relative luminance of an rgb() colour. */
function luminance(rgb: string): number {
  const [r, g, b] = (rgb.match(/[\d.]+/g) ?? []).slice(0, 3).map((c) => {
    const v = Number(c) / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (b ?? 0);
}
const contrast = (a: string, b: string) => {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return ((hi ?? 0) + 0.05) / ((lo ?? 0) + 0.05);
};

for (const theme of ['light', 'dark'] as const) {
  test(`the focus ring is 3:1 or more against every surface (${theme})`, async ({ app }) => {
    await app.emulateMedia({ colorScheme: theme });
    // Each token resolved to rgb() by the browser, through a probe element.
    const colours = await app.evaluate(() => {
      const probe = document.createElement('div');
      document.body.append(probe);
      const read = (token: string) => {
        probe.style.color = `var(${token})`;
        return getComputedStyle(probe).color;
      };
      const out = Object.fromEntries(['--focus', '--bg', '--panel', '--panel-2'].map((t) => [t, read(t)]));
      probe.remove();
      return out;
    });
    for (const surface of ['--bg', '--panel', '--panel-2']) {
      expect(contrast(colours['--focus'] ?? '', colours[surface] ?? ''), surface).toBeGreaterThanOrEqual(3);
    }
    // And the ring is what a focused control shows.
    await app.getByTestId('open-button').focus();
    await app.keyboard.press('Shift+Tab');
    await app.keyboard.press('Tab');
    const outline = await app.getByTestId('open-button').evaluate((el) => getComputedStyle(el).outlineColor);
    expect(outline).toBe(colours['--focus']);
  });
}
