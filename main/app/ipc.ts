// Registers the single API channel: checks the sender frame, validates arguments (via dispatch) and forwards events.
import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import type { LibraryGate } from '../services/library-gate';
import { IPC_CALL, IPC_EVENT } from '../api/ipc-channels';
import { isTrustedRendererUrl, type TrustedRenderer } from './security-policy';

export function registerIpc(gate: Pick<LibraryGate, 'dispatch' | 'subscribe'>, getWindow: () => BrowserWindow | null, trusted: TrustedRenderer): void {
  ipcMain.handle(IPC_CALL, async (event: IpcMainInvokeEvent, method: unknown, args: unknown) => {
    const frameUrl = event.senderFrame?.url ?? '';
    if (!isTrustedRendererUrl(frameUrl, trusted)) {
      console.warn(`[lathe] refused IPC call ${String(method)} from untrusted frame ${frameUrl}`);
      return { ok: false, error: { code: 'api.untrustedSender', message: 'This frame may not call the Lathe API.' } };
    }
    const result = await gate.dispatch(method, args);
    if (!result.ok && result.error.code === 'api.unknownMethod') console.warn(`[lathe] refused unknown IPC method ${String(method)}`);
    return result;
  });
  gate.subscribe((name, payload) => {
    const win = getWindow();
    if (win && !win.isDestroyed()) win.webContents.send(IPC_EVENT, name, payload);
  });
}
