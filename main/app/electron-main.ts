// Electron main process entry: one window, the shared runtime, the engine host via utilityProcess. Logic lives elsewhere.
import { app, BrowserWindow } from 'electron';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openLibraryGate, type LibraryGate } from '../services/library-gate';
import { electronHostSpawner } from './electron-host-spawner';
import { registerIpc } from './ipc';
import { registerDesktopIpc } from './desktop-ipc';
import { rendererFileUrl } from './security-policy';
import { createMainWindow } from './window';

// out/main/index.js -> out/
const outDir = fileURLToPath(new URL('..', import.meta.url));
const devServerUrl = process.env.ELECTRON_RENDERER_URL;
let gate: LibraryGate | undefined;
let mainWindow: BrowserWindow | null = null;

app.enableSandbox();
if (!app.requestSingleInstanceLock()) app.quit();

app.whenReady().then(() => {
  // A damaged or busy library still opens the window: its start screen says why and offers the rebuild.
  const libraryRoot = process.env.LATHE_HOME || join(app.getPath('userData'), 'library');
  gate = openLibraryGate({ shell: 'electron', libraryRoot, spawnHost: electronHostSpawner(join(outDir, 'main', 'engine-host.js')) });
  const trusted = { rendererUrl: rendererFileUrl(outDir), devServerUrl };
  registerIpc(gate, () => mainWindow, trusted);
  registerDesktopIpc(() => mainWindow, trusted, libraryRoot);
  mainWindow = createMainWindow(outDir, devServerUrl);
  mainWindow.on('closed', () => (mainWindow = null));
});

app.on('second-instance', () => {
  if (mainWindow) {
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  }
});

app.on('window-all-closed', async () => {
  await gate?.close();
  app.quit();
});
