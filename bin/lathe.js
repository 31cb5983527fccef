#!/usr/bin/env node
// The `lathe` command: runs the built CLI (out/main/cli.js), which `npm install` / `npm run build` produce.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const cli = fileURLToPath(new URL('../out/main/cli.js', import.meta.url));
if (!existsSync(cli)) {
  process.stderr.write('lathe: the app is not built yet (out/main/cli.js is missing).\nhint: run `npm install` (or `npm run build`) in the Lathe folder.\n');
  process.exit(1);
}
await import(pathToFileURL(cli).href);
