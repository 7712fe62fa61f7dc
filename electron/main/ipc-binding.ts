// The one file that touches ipcMain: binds the handler table with the sender check.
import { ipcMain } from 'electron';
import { bindHandlers } from './bind-handlers';
import type { HandlerTable } from './handlers';
import { isTrustedSender } from './sender-check';
import type { SenderPolicy } from './sender-check';

export function bindIpcMain(table: HandlerTable, policy: SenderPolicy): () => void {
  return bindHandlers(ipcMain, table, (event) => isTrustedSender(event, policy));
}
