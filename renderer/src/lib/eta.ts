// Time left, shown only once it means something: a phase's first updates come before the copy reaches its pace
// (a 0.9 s job once said "5 min 29 s left"). An estimate is withheld until the phase has run a while, done a
// share of its work and the last estimates agree; a new phase starts over. Pure: the jobs store keeps the state.

/** What an update says about its phase (JobProgress). */
export interface EtaSample {
  readonly phase: string;
  readonly done: number;
  readonly total: number;
  /** Milliseconds since the job started. */
  readonly elapsedMs: number;
}

export interface EtaState {
  readonly phase: string;
  /** When the phase's first update came, and how much was done by then. */
  readonly startMs: number;
  readonly startDone: number;
  /** The latest raw estimates, newest last. */
  readonly recent: readonly number[];
  /** What is shown; null while withheld. */
  readonly shown: number | null;
}

/** The phase must have run this long, and done this share of its work, before anything is shown. */
export const MIN_PHASE_MS = 2000;
export const MIN_SHARE = 0.05;
/** This many estimates in a row within STABLE_RATIO of one another. */
export const STABLE_SAMPLES = 3;
export const STABLE_RATIO = 0.25;
/** Under this many seconds left, no estimate is worth reading. */
export const MIN_SHOWN_SECONDS = 3;

function fresh(sample: EtaSample): EtaState {
  return { phase: sample.phase, startMs: sample.elapsedMs, startDone: sample.done, recent: [], shown: null };
}

function agree(values: readonly number[]): boolean {
  const max = Math.max(...values);
  const min = Math.min(...values);
  return max - min <= STABLE_RATIO * max || max - min <= 1;
}

/** The state after `sample` (a new phase starts over); `state.shown` is what to show. */
export function nextEta(state: EtaState | null, sample: EtaSample): EtaState {
  const base =
    state === null || state.phase !== sample.phase || sample.elapsedMs < state.startMs ? fresh(sample) : state;
  const ranMs = sample.elapsedMs - base.startMs;
  const worked = sample.done - base.startDone;
  const left = sample.total - sample.done;
  if (ranMs <= 0 || worked <= 0 || sample.total <= 0) return { ...base, recent: [], shown: null };
  // The pace since the phase's first update: the start-up before it (opening, the first reads) is left out.
  const estimate = left / (worked / (ranMs / 1000));
  const recent = [...base.recent, estimate].slice(-STABLE_SAMPLES);
  const ready =
    ranMs >= MIN_PHASE_MS &&
    sample.done >= MIN_SHARE * sample.total &&
    recent.length === STABLE_SAMPLES &&
    agree(recent) &&
    estimate >= MIN_SHOWN_SECONDS;
  // Once shown it keeps being shown (updated) while it stays readable; an estimate that jumps is withheld again.
  const keep = base.shown !== null && estimate >= MIN_SHOWN_SECONDS && agree(recent.slice(-2));
  return { ...base, recent, shown: ready || keep ? Math.round(estimate) : null };
}
