export interface CheckProblem {
  readonly code: string;
  readonly severity: 'error' | 'warning';
  /** File offset the problem is at, when it has one. */
  readonly offset: number | null;
  readonly message: string;
}

export type AddProblem = (
  code: string,
  severity: CheckProblem['severity'],
  offset: number | null,
  message: string,
) => void;

/** A problem list and the function that adds to it. */
export function problemList(): { problems: CheckProblem[]; add: AddProblem } {
  const problems: CheckProblem[] = [];
  return { problems, add: (code, severity, offset, message) => problems.push({ code, severity, offset, message }) };
}
