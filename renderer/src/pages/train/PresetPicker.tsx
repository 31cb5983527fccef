// The New run form's presets: one radio card each (quick try, balanced, ...), the chosen one marked.
import type { JSX } from 'react';
import { Icon } from '../../components/Icon';
import { PRESETS, type PresetId } from './presets';

export function PresetPicker({ presetId, onChange }: { presetId: PresetId; onChange: (id: PresetId) => void }): JSX.Element {
  return (
    <div className="field">
      <span className="field-label" id="preset-label">
        Preset
      </span>
      <div className="presets" role="radiogroup" aria-labelledby="preset-label">
        {PRESETS.map((p) => (
          <label key={p.id} className={`preset${p.id === presetId ? ' is-selected' : ''}`} data-testid={`preset-${p.id}`}>
            <input type="radio" name="preset" value={p.id} checked={p.id === presetId} onChange={() => onChange(p.id)} className="sr-only" />
            <span className="preset-title">
              {p.label}
              {p.id === presetId && <Icon name="check" size={14} />}
            </span>
            <span className="preset-text">{p.description}</span>
          </label>
        ))}
      </div>
    </div>
  );
}
