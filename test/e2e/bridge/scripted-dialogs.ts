// The dialog service of the bridge: each open or save dialog takes the next answer the test queued (a list of
// paths, a path, or a cancel). A dialog with no answer queued fails the test loudly instead of hanging. As in the
// app, the services wrap it (grantingDialogs), so what it answers is granted as the user's choice.
import type { OpenDialogRequest, SaveDialogRequest } from '../../../shared/ipc-contract';
import type { DialogService } from '../../../electron/main/services';

export class ScriptedDialogs implements DialogService {
  private readonly opens: string[][] = [];
  private readonly saves: (string | null)[] = [];
  /** Every dialog the page asked for, in order. */
  readonly requests: (OpenDialogRequest | SaveDialogRequest)[] = [];

  answerOpen(...paths: string[]): void {
    this.opens.push(paths);
  }

  answerSave(path: string | null): void {
    this.saves.push(path);
  }

  async showOpen(request: OpenDialogRequest): Promise<string[]> {
    this.requests.push(request);
    const next = this.opens.shift();
    if (!next) throw new Error(`an open dialog (${request.purpose}) was shown with no answer queued`);
    return next;
  }

  async showSave(request: SaveDialogRequest): Promise<string | null> {
    this.requests.push(request);
    if (this.saves.length === 0) throw new Error(`a save dialog (${request.purpose}) was shown with no answer queued`);
    return this.saves.shift() ?? null;
  }
}
