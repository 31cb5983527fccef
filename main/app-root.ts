// The repository / app root, found the same way from TypeScript sources (main/x.ts) and from the bundle (out/main/x.js).
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/** Walks up from this module until it finds the folder holding package.json and native/. */
export function appRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'native'))) return (cached = dir);
    dir = resolve(dir, '..');
  }
  throw new Error(`Lathe could not find its install folder above ${fileURLToPath(import.meta.url)}`);
}
