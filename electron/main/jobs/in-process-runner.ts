// Runs jobs on the calling thread. For tests and tools; the app uses the worker runner.
import { runOperation } from '../../worker/operations';
import type { JobRunner } from './runner';

export function createInProcessRunner(): JobRunner {
  return { run: (request, control) => runOperation(request, control) };
}
