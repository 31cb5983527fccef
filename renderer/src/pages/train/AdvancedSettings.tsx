// Every training setting, generated from training.configHelp: a label, the right input, the value the preset or the
// default gives it, and the reason for the default. Changed values are marked and can be reset one by one.
import type { JSX } from 'react';
import type { ApiError } from '../../api/errors';
import { ErrorText } from '../../components/Field';
import { GROUP_ORDER, formatValue, rangeText, type ConfigField, type FormValues } from './config-form';
import { MixtureInput } from './MixtureInput';

/** What the form holds per key: strings for number and text inputs (parsed on submit), booleans, string lists. */
export type Overrides = FormValues;

/** What some inputs offer besides the field itself: the project's datasets and the template names (the mixture rows). */
interface Choices {
  datasets: { id: string; name: string }[];
  templates: string[];
}

function Input({ field, value, onChange, invalid, choices }: { field: ConfigField; value: unknown; onChange: (v: string | boolean | string[]) => void; invalid: boolean; choices: Choices }): JSX.Element {
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
    case 'multi': {
      const selected = new Set(Array.isArray(value) ? (value as string[]) : []);
      const options = field.kind.options;
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
    case 'number': {
      // A text input, not type=number: the user's text is kept as typed and checked against the schema's bounds,
      // which are shown beside it.
      const range = rangeText(field);
      return (
        <span className="input-with-range">
          <input
            {...common}
            className={`${cls} input-num`}
            inputMode={field.kind.integer ? 'numeric' : 'decimal'}
            value={value === null || value === undefined ? '' : String(value)}
            placeholder={field.defaultValue === null ? 'not set' : String(field.defaultValue)}
            onChange={(e) => onChange(e.target.value)}
            autoComplete="off"
            spellCheck={false}
            aria-describedby={range ? `${id}-help ${id}-range` : `${id}-help`}
          />
          {range && (
            <span className="setting-range" id={`${id}-range`} title={`Accepted: ${range}${field.kind.integer ? ', whole numbers' : ''}`}>
              {range}
            </span>
          )}
        </span>
      );
    }
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

export function AdvancedSettings(props: {
  fields: ConfigField[];
  preset: Record<string, unknown>;
  overrides: Overrides;
  onChange: (key: string, value: string | boolean | string[] | undefined) => void;
  error?: { key: string; error: ApiError };
  /** The project's datasets, for the mixture rows. */
  datasets?: { id: string; name: string }[];
}): JSX.Element {
  const templateField = props.fields.find((f) => f.key === 'chatTemplate');
  const choices: Choices = { datasets: props.datasets ?? [], templates: templateField?.kind.type === 'choice' ? templateField.kind.options : [] };
  const groups = new Map<string, ConfigField[]>(GROUP_ORDER.map((g) => [g, []]));
  for (const f of props.fields) groups.set(f.group, [...(groups.get(f.group) ?? []), f]);
  for (const [g, list] of groups) if (!list.length) groups.delete(g);
  return (
    <div className="settings" data-testid="advanced-settings">
      {[...groups].map(([group, fields]) => (
        <fieldset key={group} className="settings-group">
          <legend className="settings-legend">{group}</legend>
          {fields.map((f) => {
            const overridden = Object.prototype.hasOwnProperty.call(props.overrides, f.key);
            const fromPreset = Object.prototype.hasOwnProperty.call(props.preset, f.key);
            const base = fromPreset ? props.preset[f.key] : f.defaultValue;
            const value = overridden ? props.overrides[f.key] : base;
            const err = props.error?.key === f.key ? props.error.error : undefined;
            return (
              <div key={f.key} className={`setting${overridden ? ' is-changed' : ''}${err ? ' is-invalid' : ''}`} data-key={f.key}>
                <div className="setting-head">
                  <label className="setting-label" id={`cfg-${f.key}-label`} htmlFor={`cfg-${f.key}`}>
                    {f.label}
                    <code className="setting-key">{f.key}</code>
                  </label>
                  <span className="setting-default">
                    {overridden ? (
                      <button type="button" className="link-btn" onClick={() => props.onChange(f.key, undefined)} title={`Back to ${formatValue(base)}`}>
                        Reset to {formatValue(base)}
                      </button>
                    ) : fromPreset ? (
                      <>preset · default {formatValue(f.defaultValue)}</>
                    ) : (
                      <>default</>
                    )}
                  </span>
                </div>
                <Input field={f} value={value} onChange={(v) => props.onChange(f.key, v)} invalid={!!err} choices={choices} />
                <p className="setting-help" id={`cfg-${f.key}-help`}>
                  {f.help}
                </p>
                {err && <ErrorText error={err} id={`cfg-${f.key}-error`} context="training.start" />}
              </div>
            );
          })}
        </fieldset>
      ))}
    </div>
  );
}
