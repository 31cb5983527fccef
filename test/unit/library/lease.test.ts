// The library lease: a second app instance (desktop app or `lathe serve`) on one library is refused naming the first;
// one-shot CLI commands still work beside it, and the lease is free again once the first closes.
import { describe, expect, it } from 'vitest';
import { createRuntime } from '../../../main/services/runtime';
import { tempDir } from '../../helpers/temp-dir';
import { toyHostSpawner } from '../../helpers/toy-host';

describe('library lease', () => {
  it('lets one app instance write a library at a time', async () => {
    const root = tempDir();
    const first = createRuntime({ shell: 'web', libraryRoot: root, spawnHost: toyHostSpawner() });
    expect(() => createRuntime({ shell: 'electron', libraryRoot: root, spawnHost: toyHostSpawner() })).toThrow(/already open in lathe serve \(PID \d+ on .+, since .+\)/);
    const cli = createRuntime({ shell: 'cli', libraryRoot: root, spawnHost: toyHostSpawner() });
    expect(cli.ctx.jobs.list()).toEqual([]);
    await cli.close();
    await first.close();
    const second = createRuntime({ shell: 'electron', libraryRoot: root, spawnHost: toyHostSpawner() });
    await second.close();
  });
});
