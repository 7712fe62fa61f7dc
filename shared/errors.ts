// Error codes and the error shape that cross the IPC boundary. The engine raises the EngineErrorCode ones
// (electron/engine/errors.ts takes its type from here); the main process adds the IPC-only ones.

/** Codes the engine raises: files, sizes and image structures. */
export type EngineErrorCode =
  | 'BAD_ARGUMENT'
  | 'BAD_SIZE'
  | 'CANCELLED'
  | 'NOT_FOUND'
  | 'IS_DIRECTORY'
  | 'NOT_A_FILE'
  | 'ACCESS_DENIED'
  | 'FILE_EXISTS'
  | 'NO_SPACE'
  | 'READ_ONLY_FS'
  | 'IN_USE'
  | 'IO_ERROR'
  | 'NAME_TOO_LONG'
  | 'UNSUPPORTED'
  | 'VERIFY_FAILED'
  | 'NOT_COMPACTABLE'
  | 'SHRINK_LOSES_DATA'
  | 'INTERRUPTED'
  | 'VHD_BAD_FOOTER'
  | 'VHD_BAD_HEADER'
  | 'VHD_BAD_BLOCK_SIZE'
  | 'VHD_BAT_OUT_OF_RANGE'
  | 'VHD_BAT_OVERLAP'
  | 'VHD_TOO_LARGE'
  | 'VHD_TRUNCATED'
  | 'VHD_BAD_LOCATOR'
  | 'VHD_PARENT_NOT_FOUND'
  | 'VHD_PARENT_MISMATCH'
  | 'VHD_PARENT_CYCLE'
  | 'VHD_CHAIN_TOO_DEEP'
  | 'VHDX_BAD_HEADER'
  | 'VHDX_BAD_METADATA'
  | 'VHDX_BAT_OUT_OF_RANGE'
  | 'VHDX_LOG_NOT_EMPTY'
  | 'VHDX_LOG_INVALID'
  | 'VDI_BAD_HEADER'
  | 'VDI_BAD_BLOCK_MAP'
  | 'VMDK_BAD_DESCRIPTOR'
  | 'VMDK_BAD_HEADER'
  | 'VMDK_BAD_GRAIN'
  | 'VMDK_GT_OUT_OF_RANGE'
  | 'VMDK_EXTENT_NOT_FOUND'
  | 'QCOW2_BAD_HEADER'
  | 'QCOW2_BAD_TABLE'
  | 'QCOW2_BAD_CLUSTER'
  | 'QCOW2_ENCRYPTED'
  /** A file system inside the disk is damaged or implausible: its free space cannot be read. */
  | 'FS_DAMAGED';

/** Codes the main process adds. */
export type IpcOnlyErrorCode =
  /** The request did not match the channel's schema (wrong types, missing fields, relative paths). */
  | 'INVALID_REQUEST'
  /** A destination names the source (or one of the sources) of the operation. */
  | 'DESTINATION_IS_SOURCE'
  /** No job has this id (never existed, or cleared from the list). */
  | 'JOB_NOT_FOUND'
  /** The message came from a frame that is not the app's own window. */
  | 'UNTRUSTED_SENDER'
  /** A path the user never chose (no dialog, drop, recent entry or file opened from outside gave it). */
  | 'UNTRUSTED_PATH'
  /** Too many requests or jobs at once: the queue or the open-file budget is full. */
  | 'TOO_MANY_REQUESTS'
  /** A bug: anything that was not a typed error. The message says what happened. */
  | 'INTERNAL';

export type ErrorCode = EngineErrorCode | IpcOnlyErrorCode;

/** One problem in a request payload: where (dotted key path, '' for the payload itself) and what. */
export interface ValidationIssue {
  readonly path: string;
  readonly message: string;
}

/** An error as the renderer receives it: a stable code, one sentence, and what to do next. */
export interface IpcError {
  readonly code: ErrorCode;
  readonly message: string;
  readonly remedy?: string;
  /** Present for INVALID_REQUEST. */
  readonly issues?: readonly ValidationIssue[];
}

/** Every invoke resolves to this; nothing throws across the boundary. */
export type IpcResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: IpcError };
