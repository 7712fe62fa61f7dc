// Runs one mutated image through every reading operation, and repair on a copy, inside a worker thread: the pool
// can terminate it when a case hangs (even in a synchronous loop). Bundled by pool.ts with esbuild.
import { createHash } from 'node:crypto';
import { copyFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parentPort, workerData } from 'node:worker_threads';
import { PlatterError } from '../../electron/engine/errors';
import { openImage } from '../../electron/engine/image/open-image';
import { journalPathFor } from '../../electron/engine/io/pending-journal';
import { RandomAccessFile } from '../../electron/engine/io/random-access-file';
import { chooseFooter, readFooterCopies } from '../../electron/engine/formats/vhd/vhd-structure';
import { checkImage } from '../../electron/engine/ops/check';
import { hashImage } from '../../electron/engine/ops/hash';
import { inspectContents } from '../../electron/engine/ops/contents';
import { inspectImage } from '../../electron/engine/formats/vhd/vhd-info';
import { repairImage } from '../../electron/engine/ops/repair';
import type { CaseRequest, CaseResult, OpResult } from './protocol';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const KNOWN_CODES = new Set<string>((workerData as { codes: string[] }).codes);
/** Images larger than this are read, not hashed whole: hashing 2 TB of zeros is slow, not stuck. */
const HASH_ALL_BYTES = 64 * 1024 * 1024;

class Case {
  readonly ops: OpResult[] = [];
  readonly failures: string[] = [];

  /** Runs `fn`: success and PlatterErrors with a known code are fine; anything else is a failure. */
  async op<T>(name: string, fn: () => Promise<T>): Promise<{ value?: T; error?: PlatterError }> {
    const started = performance.now();
    const done = (outcome: string) => this.ops.push({ op: name, outcome, ms: Math.round(performance.now() - started) });
    try {
      const value = await fn();
      done('ok');
      return { value };
    } catch (err) {
      if (err instanceof PlatterError && KNOWN_CODES.has(err.code) && !err.message.includes('\n')) {
        done(err.code);
        return { error: err };
      }
      done('FAILURE');
      this.failures.push(`${name} threw ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      return {};
    }
  }

  fail(message: string): void {
    this.failures.push(message);
  }
}

/** Whether an error is about `path` itself (not its parent): what `check` must have seen too. */
function about(error: PlatterError | undefined, path: string): boolean {
  return !!error && (error.details.path === path || error.message.includes(path));
}

async function readThrough(c: Case, path: string): Promise<{ size: number | null; error?: PlatterError }> {
  const opened = await c.op('open', () => openImage(path));
  const image = opened.value;
  if (!image) return { size: null, ...(opened.error && { error: opened.error }) };
  let failed: PlatterError | undefined;
  try {
    const size = image.virtualSize;
    const length = Math.min(64 * 1024, size);
    const buffer = new Uint8Array(length);
    for (const at of [0, Math.floor(size / 2 / 512) * 512, size - length]) {
      const n = Math.min(length, size - at);
      failed ??= (await c.op('read', () => image.read(buffer.subarray(0, n), at))).error;
    }
    const { value: extents, error } = await c.op('extents', () => image.extents());
    failed ??= error;
    if (extents) {
      let pos = 0;
      for (const e of extents) {
        if (e.offset !== pos || e.length <= 0) c.fail(`extents are not contiguous at ${pos}: ${JSON.stringify(e)}`);
        pos = e.offset + e.length;
      }
      if (pos !== size) c.fail(`extents cover ${pos} bytes of a ${size}-byte disk`);
    }
    return { size, ...(failed && { error: failed }) };
  } finally {
    await image.close();
  }
}

/**
 * Reads the whole disk: `hashImage` up to HASH_ALL_BYTES of virtual size. Past that, hashing the zeros of a huge
 * sparse disk takes minutes (and blocks the event loop meanwhile), so only the bytes the image holds are read,
 * through its extents, into a fingerprint of offsets and data.
 */
async function hashWithin(c: Case, name: string, path: string) {
  return c.op(name, async () => {
    const image = await openImage(path);
    if (image.virtualSize <= HASH_ALL_BYTES) {
      await image.close();
      return hashImage(path);
    }
    try {
      const hash = createHash('sha256');
      const buffer = new Uint8Array(1024 * 1024);
      for (const e of await image.extents()) {
        if (e.kind === 'zero') continue;
        for (let pos = e.offset; pos < e.offset + e.length; pos += buffer.length) {
          const chunk = buffer.subarray(0, Math.min(buffer.length, e.offset + e.length - pos));
          await image.read(chunk, pos);
          hash.update(`${pos}:`).update(chunk);
        }
      }
      return { sha256: hash.digest('hex') };
    } finally {
      await image.close();
    }
  });
}

async function footerUuid(path: string): Promise<string | null> {
  const file = await RandomAccessFile.open(path);
  try {
    const copies = await readFooterCopies(file);
    const source = chooseFooter(copies);
    return source ? copies[source]!.parsed.footer.uuid : null;
  } catch {
    return null;
  } finally {
    await file.close();
  }
}

async function repairCopy(c: Case, req: CaseRequest, size: number | null, sha256: string | undefined) {
  const opened = size !== null;
  const copy = join(req.dir, `r-${req.target}`);
  await copyFile(join(req.dir, req.target), copy);
  try {
    const uuid = await footerUuid(copy);
    const first = (await c.op('repair', () => repairImage({ path: copy }))).value;
    if (!first) return;
    if (
      await stat(journalPathFor(copy)).then(
        () => true,
        () => false,
      )
    )
      c.fail('repair left its journal behind');
    if (uuid && (await footerUuid(copy)) !== uuid) c.fail(`repair changed the UUID ${uuid}`);
    const second = (await c.op('repair again', () => repairImage({ path: copy }))).value;
    if (second && second.changes.length > 0)
      c.fail(`a second repair still changed: ${second.changes.map((ch) => ch.message).join('; ')}`);
    const after = first.after;
    if (after && !after.problems.some((p) => p.severity === 'error')) {
      const { error } = await hashWithin(c, 'hash repaired', copy);
      if (about(error, copy)) c.fail(`check passes the repaired image but reading it fails: ${error!.message}`);
    }
    const dropped = first.changes.some((ch) => ch.code.startsWith('VHD_BAT_'));
    if (opened && sha256 && first.changes.length > 0 && !dropped) {
      const { value } = await hashWithin(c, 'hash repaired', copy);
      if (value && value.sha256 !== sha256) c.fail('repair changed the content without dropping a block');
    }
  } finally {
    await rm(copy, { force: true });
  }
}

/** Memory in use past which a sample collects garbage first. */
const GC_AT = 24 * 1024 * 1024;

async function runCase(req: CaseRequest): Promise<CaseResult> {
  const c = new Case();
  const path = join(req.dir, req.target);
  gc();
  const base = process.memoryUsage();
  const baseline = base.arrayBuffers + base.heapUsed;
  let peak = 0;
  const used = () => {
    const m = process.memoryUsage();
    return m.arrayBuffers + m.heapUsed - baseline;
  };
  const sample = () => {
    let now = used();
    // Garbage not yet collected is no blow-up (a busy machine collects later): past GC_AT, what survives a
    // collection is what the case holds.
    if (now > GC_AT) {
      gc();
      now = used();
    }
    peak = Math.max(peak, now);
  };
  const sampler = setInterval(sample, 2);
  try {
    const read = await readThrough(c, path);
    const hashed = await hashWithin(c, 'hash', path);
    await c.op('info', () => inspectImage(path));
    await c.op('contents', () => inspectContents(path));
    const { value: report } = await c.op('check', () => checkImage(path));
    const checkErrors = report?.problems.filter((p) => p.severity === 'error') ?? [];
    const readError = read.error ?? hashed.error;
    if (report && checkErrors.length === 0 && about(readError, path))
      c.fail(`check finds no error but reading fails: ${readError!.message}`);
    if (req.repair) await repairCopy(c, req, read.size, hashed.value?.sha256);
  } finally {
    clearInterval(sampler);
    sample();
  }
  return { id: req.id, ops: c.ops, failures: c.failures, peakBytes: peak };
}

parentPort!.on('message', (req: CaseRequest) => {
  void runCase(req).then((result) => parentPort!.postMessage(result));
});
