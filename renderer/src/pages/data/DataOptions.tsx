// The Data step's tokenization settings: which tokenizer and template render the rows, which tokens are trained, the
// length limit and what happens to longer rows, and the validation share. They travel with the dataset to Train.
import type { JSX } from 'react';
import { Field } from '../../components/Field';

export interface DataSettings {
  tokenizerPath: string;
  template: '' | 'model' | 'chatml' | 'alpaca' | 'llama-2' | 'llama-3' | 'mistral' | 'gemma' | 'phi-3';
  mask: 'assistant' | 'all' | 'last' | 'turns-marked';
  maxLen: number;
  policy: 'truncate' | 'drop' | 'split';
  valFraction: number;
}

/** Where the Data step starts: the training defaults (max length = seqLen 1024), so both steps begin from one value. */
export function defaultDataSettings(tokenizerPath: string): DataSettings {
  return { tokenizerPath, template: '', mask: 'assistant', maxLen: 1024, policy: 'truncate', valFraction: 0.1 };
}

export function DataOptions({ value, onChange }: { value: DataSettings; onChange: (patch: Partial<DataSettings>) => void }): JSX.Element {
  return (
    <div className="data-options">
      <Field label="Tokenizer (model folder)" htmlFor="data-tok" optional>
        <input id="data-tok" className="input" value={value.tokenizerPath} onChange={(e) => onChange({ tokenizerPath: e.target.value })} placeholder="the Model step's folder" data-testid="data-tokenizer" />
      </Field>
      <Field label="Template" htmlFor="data-template">
        <select id="data-template" className="input" value={value.template} onChange={(e) => onChange({ template: e.target.value as DataSettings['template'] })}>
          <option value="" title="The model's own chat template; ChatML when it has none">Auto (model's or ChatML)</option>
          <option value="model">model's own</option>
          <option value="chatml">ChatML</option>
          <option value="alpaca">Alpaca</option>
          <option value="llama-3">Llama 3</option>
          <option value="llama-2">Llama 2 chat</option>
          <option value="mistral">Mistral instruct</option>
          <option value="gemma">Gemma</option>
          <option value="phi-3">Phi-3</option>
        </select>
      </Field>
      <Field label="Train on" htmlFor="data-mask">
        <select id="data-mask" className="input" value={value.mask} onChange={(e) => onChange({ mask: e.target.value as DataSettings['mask'] })}>
          <option value="assistant">assistant turns</option>
          <option value="last">last assistant turn</option>
          <option value="all">all tokens</option>
          <option value="turns-marked">turns marked train: true</option>
        </select>
      </Field>
      <Field label="Max length" htmlFor="data-maxlen">
        <input id="data-maxlen" className="input" type="number" min={8} value={value.maxLen} onChange={(e) => onChange({ maxLen: Math.max(8, Number(e.target.value) || 8) })} />
      </Field>
      <Field label="Longer examples" htmlFor="data-policy">
        <select id="data-policy" className="input" value={value.policy} onChange={(e) => onChange({ policy: e.target.value as DataSettings['policy'] })}>
          <option value="truncate">truncate: drop oldest turns, keep the answer</option>
          <option value="drop">leave the row out</option>
          <option value="split">split into pieces</option>
        </select>
      </Field>
      <Field label="Validation share" htmlFor="data-val">
        <input id="data-val" className="input" type="number" min={0} max={0.5} step={0.05} value={value.valFraction} onChange={(e) => onChange({ valFraction: Math.min(0.5, Math.max(0, Number(e.target.value) || 0)) })} />
      </Field>
    </div>
  );
}
