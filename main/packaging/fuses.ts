// Electron fuses for a packaged Lathe: the policy, flipping it into an Electron binary, and reading it back to check.
// Fuses are bits compiled into the Electron binary that switch off features an attacker could use to run code through
// a signed app (ELECTRON_RUN_AS_NODE, NODE_OPTIONS, --inspect) and make it load only its own, integrity-checked ASAR.
// They are flipped at packaging time, never on the development binary: `electron-vite preview` loads out/ from disk,
// which OnlyLoadAppFromAsar would refuse.
import { existsSync } from 'node:fs';
import { FuseV1Options, FuseVersion, flipFuses, getCurrentFuseWire, type FuseV1Config } from '@electron/fuses';
import { LatheError } from '../api/errors';

// The byte values of a fuse in the wire ('1', '0', 'r'): @electron/fuses 1.x does not export its FuseState enum.
const FUSE_ON = 0x31;
const FUSE_OFF = 0x30;
const FUSE_REMOVED = 0x72;

/** What each fuse must be in a shipped build, with the reason (shown by `lathe fuses check`). */
export const FUSE_POLICY: readonly { fuse: FuseV1Options; name: string; enabled: boolean; why: string }[] = [
  { fuse: FuseV1Options.RunAsNode, name: 'RunAsNode', enabled: false, why: 'ELECTRON_RUN_AS_NODE would turn the signed app into a plain Node.js' },
  { fuse: FuseV1Options.EnableCookieEncryption, name: 'EnableCookieEncryption', enabled: true, why: 'cookies on disk are encrypted with the OS keychain' },
  { fuse: FuseV1Options.EnableNodeOptionsEnvironmentVariable, name: 'EnableNodeOptionsEnvironmentVariable', enabled: false, why: 'NODE_OPTIONS could preload code into the main process' },
  { fuse: FuseV1Options.EnableNodeCliInspectArguments, name: 'EnableNodeCliInspectArguments', enabled: false, why: '--inspect would let a local process attach a debugger' },
  { fuse: FuseV1Options.EnableEmbeddedAsarIntegrityValidation, name: 'EnableEmbeddedAsarIntegrityValidation', enabled: true, why: 'a modified app.asar is refused' },
  { fuse: FuseV1Options.OnlyLoadAppFromAsar, name: 'OnlyLoadAppFromAsar', enabled: true, why: 'the app code cannot be swapped for a loose folder beside the ASAR' },
];

export interface FuseReadout {
  name: string;
  expected: 'on' | 'off';
  actual: 'on' | 'off' | 'removed' | 'missing';
  ok: boolean;
  why: string;
}

function requireBinary(binary: string): void {
  if (!existsSync(binary)) {
    throw new LatheError('not_found', `No Electron binary at ${binary}`, 'Pass the packaged app\'s executable (on macOS, the .app bundle).');
  }
}

function explain(binary: string, err: unknown): LatheError {
  const msg = err instanceof Error ? err.message : String(err);
  return new LatheError('invalid_input', `Cannot read the fuses of ${binary}: ${msg}`, 'Pass an Electron 12+ executable (the packaged app, or node_modules/electron/dist/electron after `npm run setup:electron`).');
}

/** Flips FUSE_POLICY into the binary in place, then reads it back; throws when any fuse did not take. */
export async function applyFusePolicy(binary: string): Promise<FuseReadout[]> {
  requireBinary(binary);
  const config = { version: FuseVersion.V1 } as FuseV1Config;
  for (const p of FUSE_POLICY) (config as Record<number, boolean>)[p.fuse] = p.enabled;
  try {
    await flipFuses(binary, config);
  } catch (err) {
    throw explain(binary, err);
  }
  const readout = await readFusePolicy(binary);
  const bad = readout.filter((r) => !r.ok);
  if (bad.length) throw new LatheError('internal', `Fuses did not take in ${binary}: ${bad.map((r) => r.name).join(', ')}`);
  return readout;
}

/** Reads the binary's fuse wire and compares every fuse of the policy with it. */
export async function readFusePolicy(binary: string): Promise<FuseReadout[]> {
  requireBinary(binary);
  let wire: Record<number, number>;
  try {
    wire = (await getCurrentFuseWire(binary)) as unknown as Record<number, number>;
  } catch (err) {
    throw explain(binary, err);
  }
  return FUSE_POLICY.map((p) => {
    const state = wire[p.fuse];
    const actual = state === FUSE_ON ? 'on' : state === FUSE_OFF ? 'off' : state === FUSE_REMOVED ? 'removed' : 'missing';
    const expected = p.enabled ? 'on' : 'off';
    // A fuse Electron removed cannot weaken the app; one the wire does not have yet (old Electron) is a failure.
    return { name: p.name, expected, actual, ok: actual === expected || actual === 'removed', why: p.why };
  });
}
