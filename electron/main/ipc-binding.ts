// The one file that touches ipcMain: binds the handler table and the preload's reports with the sender check.
import { ipcMain } from 'electron';
import { bindHandlers, bindReports } from './bind-handlers';
import type { HandlerTable } from './handlers';
import type { ReportTable } from './reports';
import { isTrustedSender } from './sender-check';
import type { SenderPolicy } from './sender-check';

export function bindIpcMain(table: HandlerTable, reports: ReportTable, policy: SenderPolicy): () => void {
  const isTrusted = (event: Parameters<typeof isTrustedSender>[0]) => isTrustedSender(event, policy);
  const unbindHandlers = bindHandlers(ipcMain, table, isTrusted);
  const unbindReports = bindReports(ipcMain, reports, isTrusted);
  return () => {
    unbindHandlers();
    unbindReports();
  };
}
