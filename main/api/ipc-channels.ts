// The Electron IPC channel names; nothing else is registered (shared by main and preload, no dependencies).
export const IPC_CALL = 'lathe:call';
export const IPC_EVENT = 'lathe:event';
