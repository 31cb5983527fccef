// Desktop-only bridge (Electron): the native folder picker and the real path of a dropped folder. Exposed by the
// preload as window.latheDesktop; absent in web mode, where the UI offers a path field instead.
export const IPC_PICK_FOLDER = 'lathe:pickFolder';
export const IPC_SHOW_IN_FOLDER = 'lathe:showInFolder';

export interface DesktopApi {
  /** The native "choose a folder" dialog; null when the user cancels. */
  pickFolder(opts: { title: string }): Promise<string | null>;
  /** The filesystem path of a file or folder dropped on the window ('' when it has none). */
  pathForFile(file: Blob): string;
  /** Shows a file or folder of the library (an adapter, an export) in the OS file manager; false when refused. */
  showInFolder(path: string): Promise<boolean>;
}
