// Where the Hugging Face token is kept: HF_TOKEN wins (as in huggingface_hub); else the saved one, which the desktop app
// encrypts with the OS keychain (Electron safeStorage, installed at start-up) and web mode / the CLI keep in a file
// only this user can read (0600) in the library.
import { chmod, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface TokenCipher {
  kind: 'keychain';
  encrypt(plain: string): Buffer;
  decrypt(data: Buffer): string;
}

let cipher: TokenCipher | undefined;

/** The desktop app installs the keychain cipher once at start-up (see main/app). */
export function useTokenCipher(c: TokenCipher | undefined): void {
  cipher = c;
}

export function tokenStorage(): 'keychain' | 'file' {
  return cipher ? 'keychain' : 'file';
}

const fileFor = (libraryRoot: string) => join(libraryRoot, cipher ? 'hf-token.enc' : 'hf-token');

export async function readSavedToken(libraryRoot: string): Promise<string | null> {
  try {
    const data = await readFile(fileFor(libraryRoot));
    const token = (cipher ? cipher.decrypt(data) : data.toString('utf8')).trim();
    return token || null;
  } catch {
    return null; // none saved, or the keychain refused: the UI offers to save one again
  }
}

export async function saveToken(libraryRoot: string, token: string | null): Promise<void> {
  const file = fileFor(libraryRoot);
  if (token === null) {
    await rm(file, { force: true });
    return;
  }
  const tmp = `${file}.${process.pid}.tmp`;
  // Created 0600 (and chmod-ed in case the umask widened it) before the token is written into it.
  await writeFile(tmp, '', { mode: 0o600 });
  await chmod(tmp, 0o600);
  await writeFile(tmp, cipher ? cipher.encrypt(token) : token, { mode: 0o600 });
  await rename(tmp, file);
}

/** The token to send: HF_TOKEN (or the legacy HUGGING_FACE_HUB_TOKEN), else the saved one. */
export async function resolveToken(libraryRoot: string, env: NodeJS.ProcessEnv = process.env): Promise<{ token: string | null; source: 'env' | 'saved' | null }> {
  const fromEnv = env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN;
  if (fromEnv) return { token: fromEnv, source: 'env' };
  const saved = await readSavedToken(libraryRoot);
  return { token: saved, source: saved ? 'saved' : null };
}
