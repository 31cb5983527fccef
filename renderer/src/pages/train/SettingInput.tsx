// The input of one training setting, chosen by its kind: a switch, a list, number text with its accepted range, chips
// for a multi-choice, mixture rows, or text.
import type { JSX } from 'react';
import { formatValue, rangeText, type ConfigField } from './config-form';
import { MixtureInput } from './MixtureInput';

type Common = { id: string; 'aria-invalid': true | undefined; 'aria-describedby': string; 'data-testid': string };

/** A multi-choice (LoRA target modules): one toggle chip per option. */
function MultiChips({ id, options, value, onChange }: { id: string; options: readonly string[]; value: unknown; onChange: (v: string[]) => void }): JSX.Element {
  const selected = new Set(Array.isArray(value) ? (value as string[]) : []);
  return (
    <div className="chips-toggle" role="group" aria-labelledby={`${id}-label`} data-testid={id}>
      {options.map((o) => (
        <button
          key={o}
          type="button"
          className={`chip-toggle${selected.has(o) ? ' is-on' : ''}`}
          aria-pressed={selected.has(o)}
          onClick={() => onChange(options.filter((x) => (x === o ? !selected.has(o) : selected.has(x))))}
        >
          {o}
        </button>
      ))}
    </div>
  );
}

/**
 * A text input, not type=number: the user's text is kept as typed and checked against the schema's bounds, which are
 * shown beside it.
 */
function NumberInput({ field, value, onChange, common, cls }: { field: ConfigField; value: unknown; onChange: (v: string) => void; common: Common; cls: string }): JSX.Element {
  const range = rangeText(field);
  const integer = field.kind.type === 'number' && field.kind.integer;
  return (
    <span className="input-with-range">
      <input
        {...common}
        className={`${cls} input-num`}
        inputMode={integer ? 'numeric' : 'decimal'}
        value={value === null || value === undefined ? '' : String(value)}
        placeholder={field.defaultValue === null ? 'not set' : String(field.defaultValue)}
        onChange={(e) => onChange(e.target.value)}
        autoComplete="off"
        spellCheck={false}
        aria-describedby={range ? `${common.id}-help ${common.id}-range` : `${common.id}-help`}
      />
      {range && (
        <span className="setting-range" id={`${common.id}-range`} title={`Accepted: ${range}${integer ? ', whole numbers' : ''}`}>
          {range}
        </span>
      )}
    </span>
  );
}

/** What some inputs offer besides the field itself: the project's datasets and the template names (the mixture rows). */
export interface Choices {
  datasets: { id: string; name: string }[];
  templates: string[];
}

export function SettingInput({ field, value, onChange, invalid, choices }: { field: ConfigField; value: unknown; onChange: (v: string | boolean | string[]) => void; invalid: boolean; choices: Choices }): JSX.Element {
  const id = `cfg-${field.key}`;
  const common = { id, 'aria-invalid': invalid || undefined, 'aria-describedby': `${id}-help`, 'data-testid': id };
  const cls = `input input-sm${invalid ? ' input-invalid' : ''}`;
  switch (field.kind.type) {
    case 'boolean':
      return (
        <label className="switch">
          <input type="checkbox" {...common} checked={value === true} onChange={(e) => onChange(e.target.checked)} />
          <span className="switch-track" aria-hidden="true" />
          <span className="switch-text">{value === true ? 'On' : 'Off'}</span>
        </label>
      );
    case 'choice':
      return (
        <select {...common} className={`${cls} select`} value={String(value ?? '')} onChange={(e) => onChange(e.target.value)}>
          {/* An optional choice with no default: unset means the server decides (its help says how). */}
          {field.defaultValue === null && <option value="">default</option>}
          {field.kind.options.map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </select>
      );
    case 'mixture':
      return <MixtureInput id={id} rows={Array.isArray(value) ? (value as unknown[]).map((r) => (typeof r === 'string' ? r : JSON.stringify(r))) : []} datasets={choices.datasets} templates={choices.templates} invalid={invalid} onChange={onChange} />;
    case 'multi':
      return <MultiChips id={id} options={field.kind.options} value={value} onChange={onChange} />;
    case 'number':
      return <NumberInput field={field} value={value} onChange={onChange} common={common} cls={cls} />;
    default:
      return (
        <input
          {...(field.kind.type === 'pairs' ? { title: 'name=value pairs, separated by commas' } : {})}
          {...common}
          className={`${cls}${field.kind.type === 'text' && field.kind.mono ? ' input-mono' : ''}`}
          value={value === null || value === undefined ? '' : typeof value === 'object' ? formatValue(value) : String(value)}
          placeholder={field.kind.type === 'pairs' ? 'e.g. enable_thinking=false' : field.defaultValue === null ? 'not set' : String(field.defaultValue)}
          onChange={(e) => onChange(e.target.value)}
          autoComplete="off"
          spellCheck={false}
        />
      );
  }
}
