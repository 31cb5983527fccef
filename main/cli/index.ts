// The `lathe` command line: a thin layer over the same services the UI uses. Each command lives in ./commands.
import { Command } from 'commander';
import { registerCommands } from './commands';
import { APP_VERSION } from '../services/app-info';

export async function main(argv: string[]): Promise<void> {
  const program = new Command('lathe')
    .description('Fine-tune open LLMs locally with LoRA and QLoRA.')
    .version(APP_VERSION, '-v, --version', 'print the Lathe version')
    .showHelpAfterError('(run `lathe --help` for usage)');
  registerCommands(program);
  await program.parseAsync(argv);
}

main(process.argv).catch((err: unknown) => {
  const e = err as { code?: string; message?: string; hint?: string };
  process.stderr.write(`lathe: ${e?.message ?? String(err)}\n`);
  if (e?.hint) process.stderr.write(`hint: ${e.hint}\n`);
  process.exitCode = process.exitCode || 1;
});
