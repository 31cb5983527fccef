// Every training setting, generated from training.configHelp: a label, the right input, the value the preset or the
// default gives it, and the reason for the default. Changed values are marked and can be reset one by one.
import type { JSX } from 'react';
import type { ApiError } from '../../api/errors';
import { ErrorText } from '../../components/Field';
import { GROUP_ORDER, formatValue, type ConfigField, type FormValues } from './config-form';
import { SettingInput, type Choices } from './SettingInput';

/** What the form holds per key: strings for number and text inputs (parsed on submit), booleans, string lists. */
export type Overrides = FormValues;

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
                <SettingInput field={f} value={value} onChange={(v) => props.onChange(f.key, v)} invalid={!!err} choices={choices} />
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
