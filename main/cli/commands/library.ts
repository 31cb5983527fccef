// `lathe library rebuild`: writes a fresh library index from the run, dataset and project folders after the database
// was damaged or lost, keeping the old file beside it. Refused while an app instance has the library open.
import type { Command } from 'commander';
import { releaseLibraryLease, takeLibraryLease } from '../../library/lease';
import { newOwner } from '../../library/owner-lock';
import { defaultLibraryRoot, ensureLibraryFolders, libraryPaths } from '../../library/paths';
import { rebuildLibrary } from '../../library/rebuild';

export function register(program: Command): void {
  const library = program.command('library').description('the library index (library.sqlite) beside your projects, datasets and runs');
  library
    .command('rebuild')
    .description('rebuild library.sqlite from the project, dataset and run folders (the old file is kept beside it)')
    .option('--json', 'print the report as one JSON object')
    .action(async (opts: { json?: boolean }) => {
      const paths = libraryPaths(defaultLibraryRoot());
      ensureLibraryFolders(paths);
      const owner = newOwner('lathe library rebuild');
      takeLibraryLease(paths, owner);
      try {
        const r = await rebuildLibrary(paths);
        if (opts.json) return void process.stdout.write(JSON.stringify(r, null, 2) + '\n');
        const lines = [
          `rebuilt ${r.database}`,
          r.keptAs.length ? `  the old database is kept as ${r.keptAs.join(', ')}` : '  there was no old database',
          `  ${r.projects} project(s), ${r.datasets} dataset(s), ${r.runs} run(s) with ${r.metrics} metric row(s) and ${r.checkpoints} checkpoint(s)`,
          ...r.notes.map((n) => `  note: ${n}`),
          ...r.problems.map((p) => `  not restored: ${p.path}: ${p.reason}`),
        ];
        process.stdout.write(lines.join('\n') + '\n');
        if (r.problems.length) process.exitCode = 1;
      } finally {
        releaseLibraryLease(paths, owner);
      }
    });
}
