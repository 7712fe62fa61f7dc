// The `platter` command's entry point: real streams, Ctrl-C as cancel, the exit code.
import { runCli } from './main';

const controller = new AbortController();
let interrupts = 0;
process.on('SIGINT', () => {
  // The first Ctrl-C cancels cleanly (partial output removed); a second one exits at once.
  if (++interrupts > 1) process.exit(130);
  process.stderr.write('\nplatter: cancelling...\n');
  controller.abort();
});

// No top-level await: the bundle is CommonJS (scripts/build-cli.mjs).
void runCli(process.argv.slice(2), {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  interactive: process.stderr.isTTY === true,
  signal: controller.signal,
}).then((code) => {
  process.exitCode = controller.signal.aborted && code !== 0 ? 130 : code;
});
