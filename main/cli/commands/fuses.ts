// `lathe fuses apply|check <electron-binary>`: the packaging step that flips Lathe's Electron fuse policy into a
// packaged app's binary, and the check a release script runs on the result (exit code 1 when any fuse is wrong).
import type { Command } from 'commander';
import { applyFusePolicy, readFusePolicy, type FuseReadout } from '../../packaging/fuses';

function print(readout: FuseReadout[], json: boolean | undefined): void {
  if (json) return void process.stdout.write(JSON.stringify(readout, null, 2) + '\n');
  const width = Math.max(...readout.map((r) => r.name.length));
  for (const r of readout) {
    const mark = r.ok ? 'ok  ' : 'BAD ';
    process.stdout.write(`${mark}${r.name.padEnd(width)}  ${r.actual.padEnd(7)} (want ${r.expected}: ${r.why})\n`);
  }
}

export function register(program: Command): void {
  const fuses = program.command('fuses').description('Electron fuses of a packaged Lathe (packaging step and release check)');
  fuses
    .command('apply <binary>')
    .description('flip the fuse policy into an Electron binary in place (packaging only: not the development binary)')
    .option('--json', 'print the readout as JSON')
    .action(async (binary: string, o: { json?: boolean }) => print(await applyFusePolicy(binary), o.json));
  fuses
    .command('check <binary>')
    .description('read the fuses of an Electron binary and compare them with the policy (exit 1 when any differs)')
    .option('--json', 'print the readout as JSON')
    .action(async (binary: string, o: { json?: boolean }) => {
      const readout = await readFusePolicy(binary);
      print(readout, o.json);
      if (readout.some((r) => !r.ok)) process.exitCode = 1;
    });
}
