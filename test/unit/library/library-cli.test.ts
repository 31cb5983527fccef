// `lathe projects list/create` (named by hints) and `lathe library rebuild` (named by the damaged-library message),
// run in-process through commander against a temporary LATHE_HOME.
import { truncateSync } from 'node:fs';
import { Command } from 'commander';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { register as registerLibrary } from '../../../main/cli/commands/library';
import { register as registerProjects } from '../../../main/cli/commands/projects';
import { openLibraryDb } from '../../../main/library/db';
import { libraryPaths } from '../../../main/library/paths';
import { createRuntime } from '../../../main/services/runtime';
import { tempDir } from '../../helpers/temp-dir';
import { toyHostSpawner } from '../../helpers/toy-host';

const home = tempDir('lathe-cli-home-');
const saved = process.env.LATHE_HOME;
process.env.LATHE_HOME = home;
afterAll(() => {
  if (saved === undefined) delete process.env.LATHE_HOME;
  else process.env.LATHE_HOME = saved;
});

async function run(...args: string[]): Promise<string> {
  const program = new Command('lathe').exitOverride();
  registerLibrary(program);
  registerProjects(program);
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    out += String(s);
    return true;
  });
  try {
    await program.parseAsync(['node', 'lathe', ...args]);
  } finally {
    spy.mockRestore();
    process.exitCode = 0;
  }
  return out;
}

describe('lathe projects and lathe library', () => {
  it('creates and lists projects', async () => {
    expect(await run('projects', 'list')).toMatch(/no projects yet/);
    expect(await run('projects', 'create', 'Support bot', '--description', 'tickets')).toMatch(/created project "Support bot"/);
    const list = JSON.parse(await run('projects', 'list', '--json'));
    expect(list.map((p: { name: string }) => p.name)).toEqual(['Support bot']);
    await expect(run('projects', 'create', 'support BOT')).rejects.toThrow(/already exists/);
  });

  it('the damaged-library message names `lathe library rebuild`, which restores the projects', async () => {
    const paths = libraryPaths(home);
    truncateSync(paths.database, 1000);
    let hint = '';
    try {
      openLibraryDb(paths.database);
    } catch (err) {
      hint = (err as { hint?: string }).hint ?? '';
    }
    expect(hint).toMatch(/Run `lathe library rebuild`/);
    const out = await run('library', 'rebuild');
    expect(out).toMatch(/1 project\(s\), 0 dataset\(s\), 0 run\(s\)/);
    expect(out).toMatch(/the old database is kept as .*library\.sqlite\.damaged-/);
    expect(JSON.parse(await run('projects', 'list', '--json')).map((p: { name: string }) => p.name)).toEqual(['Support bot']);
  });

  it('refuses to rebuild while an app instance has the library open', async () => {
    const app = createRuntime({ shell: 'web', libraryRoot: home, spawnHost: toyHostSpawner() });
    try {
      await expect(run('library', 'rebuild')).rejects.toThrow(/already open in lathe serve/);
    } finally {
      await app.close();
    }
  });
});
