// Build config: main (Electron entry + Node entries for the CLI and the engine host), preload (CJS, sandboxed) and renderer.
import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rollupOptions: {
        input: {
          index: resolve(__dirname, 'main/app/electron-main.ts'),
          cli: resolve(__dirname, 'main/cli/index.ts'),
          'engine-host': resolve(__dirname, 'main/host/index.ts'),
          // Worker threads of the dataset tokenize pool (main/data/tokenize-pool.ts finds it beside the bundle).
          'tokenize-worker': resolve(__dirname, 'main/data/tokenize-worker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      // A sandboxed preload cannot require() packages: bundle everything into the one file.
      externalizeDeps: false,
      outDir: 'out/preload',
      rollupOptions: {
        input: { index: resolve(__dirname, 'preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(__dirname, 'renderer'),
    build: {
      minify: true,
      outDir: resolve(__dirname, 'out/renderer'),
      rollupOptions: { input: resolve(__dirname, 'renderer/index.html') },
    },
    plugins: [react()],
  },
});
