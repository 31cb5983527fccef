// `lathe projects list` and `lathe projects create NAME`: the projects a dataset import (`--project`) can name.
import type { Command } from 'commander';
import { ProjectsRepo } from '../../library/projects-repo';
import { createRuntime } from '../../services/runtime';

export function register(program: Command): void {
  const projects = program.command('projects').description('projects in the library');
  projects
    .command('list')
    .description('list projects, most recently changed first')
    .option('--json', 'print a JSON array')
    .action(async (opts: { json?: boolean }) => {
      const runtime = createRuntime({ shell: 'cli' });
      try {
        const list = new ProjectsRepo(runtime.ctx.db).list();
        if (opts.json) return void process.stdout.write(JSON.stringify(list) + '\n');
        if (!list.length) return void process.stdout.write('no projects yet (create one with `lathe projects create NAME`)\n');
        for (const p of list) process.stdout.write(`${p.id}  ${p.name}${p.description ? `  (${p.description})` : ''}\n`);
      } finally {
        await runtime.close();
      }
    });
  projects
    .command('create <name>')
    .description('create a project')
    .option('--description <text>', 'a line about what the project is for', '')
    .option('--json', 'print the project as JSON')
    .action(async (name: string, opts: { description: string; json?: boolean }) => {
      const runtime = createRuntime({ shell: 'cli' });
      try {
        const p = new ProjectsRepo(runtime.ctx.db).create(name, opts.description);
        process.stdout.write(opts.json ? JSON.stringify(p) + '\n' : `created project "${p.name}" (${p.id})\n`);
      } finally {
        await runtime.close();
      }
    });
}
