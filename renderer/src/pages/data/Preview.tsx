// The loss-mask view: each rendered example as its tokens, coloured by whether the model is trained to predict them.
import type { JSX } from 'react';
import type { PreviewExample } from '../../../../main/api/contract';

/** Whitespace made visible, so a trained newline or a leading space is not invisible. */
function show(text: string): string {
  return text.replace(/\n/g, '↵\n').replace(/\t/g, '→');
}

export function MaskPreview({ examples }: { examples: PreviewExample[] }): JSX.Element {
  return (
    <div className="data-preview" data-testid="mask-preview">
      <div className="data-legend">
        <span className="tok tok-trained">trained</span>
        <span className="tok">context (not trained)</span>
      </div>
      {examples.map((ex) => (
        <article key={`${ex.file ?? ''}:${ex.line}`} className="data-example" data-testid="preview-example">
          <div className="data-example-head">
            {ex.file ? `${ex.file} ` : ''}line {ex.line} · {ex.kind}
          </div>
          {ex.seqs.map((s) => (
            <div key={s.label} className="data-seq">
              {ex.seqs.length > 1 && <div className="data-seq-label">{s.label}</div>}
              <div className="data-tokens">
                {s.tokens.length === 0 && <span className="data-note">{s.label}</span>}
                {s.tokens.map((t, i) => (
                  <span key={i} className={t.trained ? 'tok tok-trained' : 'tok'} title={`id ${t.id}${t.trained ? ' · trained' : ''}`} data-trained={t.trained ? '1' : '0'}>
                    {show(t.text)}
                  </span>
                ))}
              </div>
            </div>
          ))}
        </article>
      ))}
    </div>
  );
}
