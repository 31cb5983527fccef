// The Data step's token preview: rows rendered, tokenized and fitted to the length exactly as training fits them.
import { LatheError } from '../api/errors';
import type { PreviewExample } from '../api/dataset-types';
import { applyLengthPolicy, emptyPolicyCounts, type LengthPolicy } from './lengths';
import { PieceBytes } from './offsets';
import type { RenderSetup } from './render';
import { ExampleTokenizer } from './tokenize';
import type { Example } from './types';

export interface PreviewOptions extends RenderSetup {
  /** With a maxLen, the policy decides what an over-long row becomes: the preview shows that, not the raw render. */
  maxLen?: number | null;
  lengthPolicy?: LengthPolicy;
}

/** Each row as the trainer will see it: its sequence(s) with every token marked trained or not, or why it is left out. */
export function previewExamples(examples: Example[], o: PreviewOptions): PreviewExample[] {
  const policy = o.lengthPolicy ?? 'truncate';
  const et = new ExampleTokenizer({ ...o, lengthPolicy: policy });
  const pieces = new PieceBytes(o.tokenizer);
  const decoder = new TextDecoder();
  const tokensOf = (s: { ids: Uint32Array; mask: Uint8Array }) => Array.from(s.ids, (id, i) => ({ id, text: decoder.decode(pieces.bytes(id)), trained: s.mask[i] === 1 }));
  return examples.map((ex): PreviewExample => {
    const base = { line: ex.line, ...(ex.file ? { file: ex.file } : {}), kind: ex.kind };
    let t;
    try {
      t = et.tokenize(ex);
    } catch (err) {
      if (!(err instanceof LatheError)) throw err;
      return { ...base, seqs: [{ label: `cannot render: ${err.message}`, tokens: [] }] };
    }
    const counts = emptyPolicyCounts();
    const kept = o.maxLen ? applyLengthPolicy(t, o.maxLen, policy, o.tokenizer.bosId, counts) : [t];
    if (!kept.length) {
      const why = counts.tooLong[0]?.reason ?? `longer than ${o.maxLen} tokens, and the length policy is drop.`;
      return { ...base, seqs: [{ label: `left out: ${why}`, tokens: [] }] };
    }
    const labels = t.seqs.length === 2 ? ['chosen', 'rejected'] : [ex.kind];
    const note = counts.truncated ? ` (shortened to fit ${o.maxLen} tokens)` : '';
    return {
      ...base,
      seqs: kept.flatMap((k, p) => k.seqs.map((s, j) => ({
        label: kept.length > 1 ? `${labels[j]}, piece ${p + 1} of ${kept.length}` : `${labels[j]}${note}`,
        tokens: tokensOf(s),
      }))),
    };
  });
}
