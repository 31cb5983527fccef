// Stand-alone dev server for the renderer alone (no Electron, no `lathe serve`): `npx vite --config renderer/vite.config.ts`,
// then open http://localhost:5173/?mock to work on the UI against the in-memory mock API (src/api/mock.ts).
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  server: { host: '127.0.0.1', port: 5173, strictPort: false },
});
