// Messages between the fuzz pool (main thread) and its worker.

export interface CaseRequest {
  readonly id: number;
  /** Folder holding the mutated target (and its parent). */
  readonly dir: string;
  readonly target: string;
  /** Also repair a copy and check what the repair promises. */
  readonly repair: boolean;
}

export interface OpResult {
  readonly op: string;
  /** "ok", a PlatterError code, or "FAILURE". */
  readonly outcome: string;
  readonly ms: number;
}

export interface CaseResult {
  readonly id: number;
  readonly ops: readonly OpResult[];
  /** Broken promises: exceptions that are not PlatterErrors, and invariants that did not hold. */
  readonly failures: readonly string[];
  /** Most memory (heap and array buffers) in use above the start of the case. */
  readonly peakBytes: number;
}
