// Version and identity of the app, read once; the same values reach the UI, the CLI and the engine host.
export const APP_NAME = 'Lathe';
// Kept in step with package.json by test/unit/app/app-info.test.ts.
export const APP_VERSION = '0.1.0';
