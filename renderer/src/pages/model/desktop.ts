// The desktop app's folder picker and dropped-folder paths (window.latheDesktop from the preload); undefined in web mode.
import type { DesktopApi } from '../../../../main/api/ipc-desktop';

export const desktop: DesktopApi | undefined = (window as unknown as { latheDesktop?: DesktopApi }).latheDesktop;
