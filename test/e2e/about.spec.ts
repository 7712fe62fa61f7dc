// Help > About: the menu command from main shows which Platter this is and what it can do on this machine.
import { expect, shot, test } from './app-test';

test('About from the menu shows the version and the sparse-file support, and Back returns Home', async ({
  app,
  bridge,
}) => {
  bridge.services.events.emit('app:menu-command', { command: 'about' }); // what the Help menu item sends
  const about = app.getByTestId('about-view');
  await expect(about).toBeVisible();
  await expect(about.getByRole('heading', { name: 'About Platter' })).toBeVisible();
  await expect(app.getByTestId('about-version')).toHaveText('0.0.0-e2e');
  await expect(app.getByTestId('about-platform')).toHaveText('Linux');
  // The bridge runs the real engine, with the native addon built by npm ci.
  await expect(app.getByTestId('about-sparse')).toHaveText(/Holes are skipped/);
  await shot(app, 'about');
  await app.getByTestId('about-back').click();
  await expect(app.getByTestId('home-view')).toBeVisible();
});
