// A run's full resolved settings and the equivalent commands: `lathe train --config` (the run's own config.yaml, every
// key with its reason) to start the same run again from a terminal, and `--resume` for this one. Copyable.
import { useState, type JSX } from 'react';
import { stringify } from 'yaml';
import type { Run } from '../../../../main/api/contract';
import { desktop } from '../model/desktop';
import { TryIt } from './TryIt';

/** The run folder's file, with the folder's own separator (the server may run on Windows). */
export function runFile(runDir: string, name: string): string {
  const sep = runDir.includes('\\') && !runDir.includes('/') ? '\\' : '/';
  return `${runDir.replace(/[\\/]+$/, '')}${sep}${name}`;
}

const quote = (p: string) => (/^[\w./:\\-]+$/.test(p) ? p : `"${p.replace(/(["\\$`])/g, '\\$1')}"`);

function CopyButton({ text, label, testId }: { text: string; label: string; testId: string }): JSX.Element {
  const [done, setDone] = useState(false);
  return (
    <button
      type="button"
      className="btn btn-sm"
      onClick={() => void navigator.clipboard?.writeText(text).then(() => setDone(true), () => setDone(false))}
      data-testid={testId}
    >
      {done ? 'Copied' : label}
    </button>
  );
}

export function RunSettings({ run }: { run: Run }): JSX.Element {
  const again = `lathe train --config ${quote(runFile(run.runDir, 'config.yaml'))}`;
  const resume = `lathe train --resume ${quote(run.runDir)}`;
  const yaml = stringify(run.config, { lineWidth: 0 });
  return (
    <details className="card panel run-settings" data-testid="run-settings">
      <summary className="panel-title">Settings and command line</summary>
      <p className="form-hint">The same run from a terminal (its config.yaml explains every key):</p>
      <div className="cmd-row">
        <code className="cmd" data-testid="run-cli">{again}</code>
        <CopyButton text={again} label="Copy" testId="copy-run-cli" />
      </div>
      <p className="form-hint">Resume this run from a terminal:</p>
      <div className="cmd-row">
        <code className="cmd">{resume}</code>
        <CopyButton text={resume} label="Copy" testId="copy-run-resume" />
      </div>
      <div className="cmd-row">
        <span className="form-hint">Resolved settings (YAML)</span>
        <CopyButton text={yaml} label="Copy YAML" testId="copy-run-yaml" />
      </div>
      <pre className="run-yaml" data-testid="run-yaml" tabIndex={0}>{yaml}</pre>
    </details>
  );
}

/** What to do with a finished run: its adapter, and the steps that use it. */
export function NextSteps({ run }: { run: Run }): JSX.Element | null {
  if (run.status !== 'completed') return null;
  const adapter = runFile(run.runDir, 'adapter');
  return (
    <section className="card panel next-steps" aria-labelledby="next-steps-title" data-testid="next-steps">
      <h2 className="panel-title" id="next-steps-title">Next steps</h2>
      <div className="cmd-row">
        <span className="form-hint">Adapter (PEFT):</span>
        <code className="cmd" data-testid="adapter-path">{adapter}</code>
        {desktop ? (
          <button type="button" className="btn btn-sm" onClick={() => void desktop!.showInFolder(adapter)} data-testid="show-adapter">
            Show in folder
          </button>
        ) : (
          <CopyButton text={adapter} label="Copy path" testId="copy-adapter-path" />
        )}
      </div>
      <TryIt run={run} />
      <div className="next-actions">
        <a className="btn btn-primary" href="#/evaluate" data-testid="next-evaluate">Evaluate against the base</a>
        <a className="btn" href="#/evaluate" data-testid="next-try">Chat side by side with the base</a>
        <a className="btn" href="#/export" data-testid="next-export">Export (GGUF, Ollama, merged…)</a>
      </div>
    </section>
  );
}
