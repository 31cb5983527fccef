// The Electron fuse policy flipped into a binary and read back, on a stand-in binary with a real fuse wire (the
// sentinel, version, length and one byte per fuse, as Electron embeds it), and through `lathe fuses` in-process.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { register } from '../../../main/cli/commands/fuses';
import { FUSE_POLICY, applyFusePolicy, readFusePolicy } from '../../../main/packaging/fuses';
import { tempDir } from '../../helpers/temp-dir';

const tmp = tempDir('lathe-fuses-');
let made = 0;
const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';

/** A stand-in Electron binary: random bytes around a V1 fuse wire of `n` fuses, all in Electron's default state. */
function fakeElectron(n = 9): { path: string; wireAt: number } {
  const head = Buffer.alloc(4096, 0x90);
  // Electron's defaults: RunAsNode on, cookie encryption off, NODE_OPTIONS on, --inspect on, ASAR checks off, ...
  const defaults = '101100011'.slice(0, n);
  const wire = Buffer.concat([Buffer.from(SENTINEL), Buffer.from([1, n]), Buffer.from(defaults)]);
  const file = join(tmp, `electron-${n}-${++made}`);
  writeFileSync(file, Buffer.concat([head, wire, Buffer.alloc(4096, 0xcc)]), { mode: 0o755 });
  return { path: file, wireAt: head.length + SENTINEL.length + 2 };
}

async function lathe(args: string[]): Promise<{ stdout: string; exitCode: number }> {
  const program = new Command('lathe').exitOverride();
  register(program);
  let stdout = '';
  const orig = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((s: string) => ((stdout += s), true)) as typeof process.stdout.write;
  const before = process.exitCode;
  process.exitCode = 0;
  try {
    await program.parseAsync(['node', 'lathe', ...args]);
    return { stdout, exitCode: Number(process.exitCode ?? 0) };
  } finally {
    process.stdout.write = orig;
    process.exitCode = before;
  }
}

describe('Electron fuse policy', () => {
  it('an unflipped Electron fails the check, naming each fuse that is wrong', async () => {
    const { path } = fakeElectron();
    const readout = await readFusePolicy(path);
    const bad = readout.filter((r) => !r.ok).map((r) => r.name);
    expect(bad).toEqual(expect.arrayContaining(['RunAsNode', 'EnableCookieEncryption', 'EnableNodeOptionsEnvironmentVariable', 'OnlyLoadAppFromAsar']));
    const cli = await lathe(['fuses', 'check', path]);
    expect(cli.exitCode).toBe(1);
    expect(cli.stdout).toMatch(/BAD RunAsNode\s+on/);
  });

  it('apply flips exactly the policy bytes, and the check then passes', async () => {
    const { path, wireAt } = fakeElectron();
    const before = readFileSync(path);
    const readout = await applyFusePolicy(path);
    expect(readout.every((r) => r.ok)).toBe(true);
    expect(readout.map((r) => r.name)).toEqual(FUSE_POLICY.map((p) => p.name));
    const after = readFileSync(path);
    expect(after.length).toBe(before.length);
    // Only the wire's policy bytes changed; everything else in the binary is untouched.
    for (let i = 0; i < after.length; i++) {
      const policy = FUSE_POLICY.find((p) => wireAt + p.fuse === i);
      if (policy) expect(after[i]).toBe(policy.enabled ? 0x31 : 0x30);
      else if (after[i] !== before[i]) throw new Error(`byte ${i} changed outside the policy fuses`);
    }
    const cli = await lathe(['fuses', 'check', path, '--json']);
    expect(cli.exitCode).toBe(0);
    expect(JSON.parse(cli.stdout)).toHaveLength(FUSE_POLICY.length);
  });

  it('an Electron too old to have a policy fuse fails the check instead of passing it', async () => {
    const { path } = fakeElectron(4); // no ASAR fuses yet
    await expect(applyFusePolicy(path)).rejects.toThrow(/Cannot read the fuses|not long enough/);
    const readout = await readFusePolicy(path);
    expect(readout.find((r) => r.name === 'OnlyLoadAppFromAsar')).toMatchObject({ actual: 'missing', ok: false });
  });

  it('refuses a file that is not Electron, and a missing one, with a hint', async () => {
    const file = join(tmp, 'not-electron');
    writeFileSync(file, 'just text');
    await expect(readFusePolicy(file)).rejects.toMatchObject({ message: expect.stringMatching(/Cannot read the fuses.*sentinel/), hint: expect.stringMatching(/Electron 12\+/) });
    await expect(readFusePolicy(join(tmp, 'nope'))).rejects.toMatchObject({ code: 'not_found' });
  });
});
