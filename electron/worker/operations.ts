// Each job op as a call into the engine. Runs in the job worker (the app) or in-process (tests, tools).
// Adding an op to JobOps (shared/jobs.ts) makes this fail to compile until it has an entry here.
import { compactImage } from '../engine/ops/compact';
import { convertImage } from '../engine/ops/convert';
import { convertToChild } from '../engine/ops/convert-delta';
import { createImage } from '../engine/ops/create';
import { hashImage } from '../engine/ops/hash';
import { mergeImage } from '../engine/ops/merge';
import { repairImage } from '../engine/ops/repair';
import { resizeImage } from '../engine/ops/resize';
import { setParent } from '../engine/ops/set-parent';
import type { JobControl } from '../engine/ops/progress';
import type { JobOp, JobRequest, JobRequestOf, JobResult, JobResultOf } from '../../shared/jobs';

export type Operation<K extends JobOp> = (request: JobRequestOf<K>, control: JobControl) => Promise<JobResultOf<K>>;

export const OPERATIONS: { readonly [K in JobOp]: Operation<K> } = {
  create: ({ op: _op, ...options }, control) => createImage(options, control),
  convert: ({ op: _op, ...options }, control) => convertImage(options, control),
  compact: ({ op: _op, ...options }, control) => compactImage(options, control),
  hash: ({ path }, control) => hashImage(path, control),
  'convert-to-child': ({ op: _op, ...options }, control) => convertToChild(options, control),
  resize: ({ op: _op, ...options }, control) => resizeImage(options, control),
  merge: ({ op: _op, ...options }, control) => mergeImage(options, control),
  'set-parent': ({ op: _op, ...options }) => setParent(options),
  repair: ({ op: _op, ...options }, control) => repairImage(options, control),
};

export function runOperation(request: JobRequest, control: JobControl): Promise<JobResult> {
  const operation = OPERATIONS[request.op] as Operation<JobOp>;
  return operation(request as JobRequestOf<JobOp>, control);
}
