// The same rule as shared/ipc-schemas.ts (which the renderer does not import: it pulls in the validator).
const ABSOLUTE_PATH = /^(?:\/|[a-zA-Z]:[\\/]|\\\\[^\\])/;

export function isAbsolutePathText(text: string): boolean {
  return ABSOLUTE_PATH.test(text) && !text.includes('\0');
}
