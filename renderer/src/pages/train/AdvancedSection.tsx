// The New run form's Advanced settings, folded: the summary says how many settings the user changed; open, every
// setting (from training.configHelp) once it has loaded.
import type { JSX } from 'react';
import type { ConfigHelp, DatasetSummary } from '../../../../main/api/contract';
import type { ApiError } from '../../api/errors';
import { ErrorText } from '../../components/Field';
import type { Query } from '../../hooks/useApiQuery';
import { AdvancedSettings, type Overrides } from './AdvancedSettings';
import type { ConfigField } from './config-form';

export function AdvancedSection(props: {
  open: boolean;
  onToggle: (open: boolean) => void;
  help: Query<ConfigHelp>;
  fields: ConfigField[];
  preset: Record<string, unknown>;
  overrides: Overrides;
  error: { key: string; error: ApiError } | undefined;
  onChange: (key: string, value: string | boolean | string[] | undefined) => void;
  datasets: DatasetSummary[] | undefined;
}): JSX.Element {
  const { help } = props;
  const changed = Object.keys(props.overrides).length;
  return (
    <details className="advanced" open={props.open} onToggle={(e) => props.onToggle(e.currentTarget.open)}>
      <summary data-testid="advanced-toggle">
        <span>Advanced settings</span>
        <span className="subtle">{changed ? `${changed} changed` : 'every setting, with its default and why'}</span>
      </summary>
      {help.error ? (
        <ErrorText error={help.error} />
      ) : !help.data ? (
        <div className="skeleton-block" style={{ height: 120 }} aria-busy="true" />
      ) : (
        <AdvancedSettings fields={props.fields} preset={props.preset} overrides={props.overrides} error={props.error} onChange={props.onChange} datasets={props.datasets ?? []} />
      )}
    </details>
  );
}
