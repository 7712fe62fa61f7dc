// Finding a differencing disk's parent: the first of the places the child records whose identity is the one the
// child links to. One search for every format; each names its identity and its remedies.
import { stat } from 'node:fs/promises';
import { PlatterError } from '../errors';

export interface ParentSearch {
  readonly childPath: string;
  /** Where to look, in order (the format's locators resolved against the child's folder). */
  readonly candidates: readonly string[];
  /** The identities a right parent may have (a VHDX records two linkages). */
  readonly wanted: readonly string[];
  /** What messages call the identity: "UUID", "DataWriteGuid". */
  readonly identityName: string;
  /** How a candidate that is not of the format is named: "not a VHD". */
  readonly notOfFormat: string;
  /** A candidate's identity; null when it is not an image of the format. */
  readIdentity(path: string): Promise<string | null>;
  /** The parent as the child names it. */
  readonly parentName: string;
  readonly mismatch: { readonly remedy: string; readonly details: Record<string, unknown> };
  readonly missing: { readonly remedy: string; readonly details: Record<string, unknown> };
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** The parent's path; throws VHD_PARENT_MISMATCH (files there, none the right one) or VHD_PARENT_NOT_FOUND. */
export async function findParentFile(search: ParentSearch): Promise<string> {
  const { childPath, candidates } = search;
  const mismatches: string[] = [];
  for (const candidate of candidates) {
    if (!(await isFile(candidate))) continue;
    const identity = await search.readIdentity(candidate).catch(() => null);
    if (identity && search.wanted.includes(identity)) return candidate;
    mismatches.push(`${candidate} (${identity ? `${search.identityName} ${identity}` : search.notOfFormat})`);
  }
  if (mismatches.length > 0) {
    throw new PlatterError(
      'VHD_PARENT_MISMATCH',
      `the parent of ${childPath} should have ${search.identityName} ${search.wanted[0]}, but ${mismatches.join(', ')} does not`,
      search.mismatch.remedy,
      { path: childPath, ...search.mismatch.details, candidates },
    );
  }
  throw new PlatterError(
    'VHD_PARENT_NOT_FOUND',
    `the parent ${search.parentName} of ${childPath} was not found; looked in ${candidates.join(', ') || 'no usable location'}`,
    search.missing.remedy,
    { path: childPath, ...search.missing.details, candidates },
  );
}
