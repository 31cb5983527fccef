// The Data step's report card: the detected format (and a way to change it), counts, every left-out row, token lengths
// and the split, then the import into the project (asking first when the same file is already there).
import type { JSX } from 'react';
import type { DatasetReportView, DatasetSummary, Project, SplitSummary } from '../../../../main/api/contract';
import type { ApiError } from '../../api/errors';
import { ErrorText } from '../../components/Field';
import { Counts, IssueList, LengthChart } from './Report';

export type Format = 'alpaca' | 'sharegpt' | 'messages' | 'preference' | 'kto' | 'prompts' | 'completion' | 'text';
const FORMATS: Format[] = ['alpaca', 'sharegpt', 'messages', 'preference', 'kto', 'prompts', 'completion', 'text'];

export function ReportCard({ report, format, onFormat, shown, onShowLine, project, busy, imported, duplicate, onImport, onKeepExisting }: {
  report: DatasetReportView & { split?: SplitSummary };
  format: Format | '';
  onFormat: (f: Format | '') => void;
  shown: { line: number; lines: { line: number; text: string }[] } | undefined;
  onShowLine: (line: number) => void;
  project: Project | undefined;
  busy: boolean;
  imported: DatasetSummary | undefined;
  duplicate: ApiError | undefined;
  onImport: (again: boolean) => void;
  onKeepExisting: () => void;
}): JSX.Element {
  return (
    <section className="card data-report" data-testid="report">
      <div className="data-format">
        <span>
          Format: <strong data-testid="detected-format">{report.format}</strong>
          {report.confidence < 1 ? ` (detected, ${Math.round(report.confidence * 100)}% of sampled rows fit)` : ' (chosen)'} · {report.source}
          {report.jsonField ? ` · rows from "${report.jsonField}"` : ''}
        </span>
        <label className="data-format-change">
          Change:{' '}
          <select
            value={format}
            data-testid="format-select"
            onChange={(e) => onFormat(e.target.value as Format | '')}
          >
            <option value="">detect</option>
            {FORMATS.map((f) => (
              <option key={f} value={f}>
                {f}
              </option>
            ))}
          </select>
        </label>
      </div>
      <Counts r={report} />
      <IssueList r={report} onShow={onShowLine} shown={shown} />
      <LengthChart r={report} split={report.split} />
      {project && report.valid > 0 && !imported && !duplicate && (
        <button type="button" className="btn btn-primary" onClick={() => onImport(false)} disabled={busy} data-testid="import">
          Import {report.valid} rows into “{project.name}”
        </button>
      )}
      {duplicate && (
        <div className="data-next" role="alert" data-testid="import-duplicate">
          <ErrorText error={duplicate} />
          <button type="button" className="btn" onClick={onKeepExisting} data-testid="duplicate-keep">
            Keep the existing one
          </button>
          <button type="button" className="btn btn-primary" onClick={() => onImport(true)} data-testid="duplicate-import">
            Import again as a new dataset
          </button>
        </div>
      )}
      {imported && (
        <div className="data-next" data-testid="import-done">
          <button type="button" className="btn" disabled data-testid="import">
            ✓ Imported as “{imported.name}”
          </button>
          <a className="btn btn-primary" href="#/train" data-testid="continue-train">
            Continue to Train
          </a>
        </div>
      )}
    </section>
  );
}
