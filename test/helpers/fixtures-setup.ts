// Global setup of the test runners: the fixtures unpacked once, before any test reads them.
import { unpackFixtures } from './fixtures';

export default async function setup(): Promise<void> {
  await unpackFixtures();
}
