/** Where the CLI writes: real streams in the command, captured strings in tests. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** True when stderr is a terminal (progress bars are drawn only then). */
  readonly interactive: boolean;
  /** Aborted by Ctrl-C. */
  readonly signal: AbortSignal;
}
