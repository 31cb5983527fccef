// Desktop-only services: the native folder picker (dialog.showOpenDialog) for the trusted renderer frame, and the OS
// keychain (safeStorage) as the cipher for the saved Hugging Face token.
import { dialog, ipcMain, safeStorage, shell, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { IPC_PICK_FOLDER, IPC_SHOW_IN_FOLDER } from '../api/ipc-desktop';
import { insideLibrary } from '../library/paths';
import { useTokenCipher } from '../models/hub/token-store';
import { isTrustedRendererUrl, type TrustedRenderer } from './security-policy';

export function registerDesktopIpc(getWindow: () => BrowserWindow | null, trusted: TrustedRenderer, libraryRoot: string): void {
  ipcMain.handle(IPC_SHOW_IN_FOLDER, (event: IpcMainInvokeEvent, path: unknown): boolean => {
    if (!isTrustedRendererUrl(event.senderFrame?.url ?? '', trusted) || typeof path !== 'string' || !insideLibrary(path, libraryRoot)) return false;
    shell.showItemInFolder(path);
    return true;
  });
  ipcMain.handle(IPC_PICK_FOLDER, async (event: IpcMainInvokeEvent, opts: unknown): Promise<string | null> => {
    if (!isTrustedRendererUrl(event.senderFrame?.url ?? '', trusted)) return null;
    const title = typeof (opts as { title?: unknown })?.title === 'string' ? String((opts as { title: string }).title).slice(0, 200) : 'Choose a folder';
    const win = getWindow();
    const options = { title, properties: ['openDirectory' as const] };
    const r = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
    return r.canceled || !r.filePaths[0] ? null : r.filePaths[0];
  });
  // Without a keychain (e.g. Linux with no secret service) the token falls back to the user-only file, as in web mode.
  if (safeStorage.isEncryptionAvailable()) {
    useTokenCipher({ kind: 'keychain', encrypt: (s) => safeStorage.encryptString(s), decrypt: (b) => safeStorage.decryptString(b) });
  }
}
