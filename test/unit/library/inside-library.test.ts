// The desktop app's "Show in folder" reveals only the library's own files: an existing path strictly inside it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { insideLibrary } from '../../../main/library/paths';
import { tempDir } from '../../helpers/temp-dir';

describe('insideLibrary', () => {
  it('accepts existing paths inside the library and nothing else', () => {
    const root = tempDir('lathe-inside-');
    mkdirSync(join(root, 'runs', 'run-1', 'adapter'), { recursive: true });
    writeFileSync(join(root, 'runs', 'run-1', 'log.txt'), 'x');
    expect(insideLibrary(join(root, 'runs', 'run-1', 'adapter'), root)).toBe(true);
    expect(insideLibrary(join(root, 'runs', 'run-1', 'log.txt'), root)).toBe(true);
    expect(insideLibrary(root, root)).toBe(false);                                   // the library itself
    expect(insideLibrary(join(root, 'runs', 'missing'), root)).toBe(false);          // not there
    expect(insideLibrary(join(root, 'runs', '..', '..', 'etc'), root)).toBe(false);  // climbs out
    expect(insideLibrary('/etc/passwd', root)).toBe(false);
    expect(insideLibrary('runs/run-1', root)).toBe(false);                            // relative
  });
});
