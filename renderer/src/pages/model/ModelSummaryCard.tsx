// What a model folder holds, read by models.inspect: architecture, size, shape, dtype and whether it can chat.
import type { JSX, ReactNode } from 'react';
import type { ModelSummary } from '../../../../main/api/contract';
import { Icon } from '../../components/Icon';

const nf = new Intl.NumberFormat('en-US');

/** 1.24B, 135M, 1.03M, 8.4K: how model sizes are usually named. */
export function formatParams(n: number): string {
  const units: [number, string][] = [
    [1e12, 'T'],
    [1e9, 'B'],
    [1e6, 'M'],
    [1e3, 'K'],
  ];
  for (const [size, unit] of units) {
    if (n >= size) {
      const v = n / size;
      return `${v >= 100 ? Math.round(v) : v >= 10 ? v.toFixed(1) : v.toFixed(2)}${unit}`;
    }
  }
  return String(n);
}

function basename(path: string): string {
  return path.replace(/[\\/]+$/, '').split(/[\\/]/).pop() || path;
}

function Stat({ label, value, sub }: { label: string; value: ReactNode; sub?: ReactNode }): JSX.Element {
  return (
    <div className="stat">
      <div className="stat-label">{label}</div>
      <div className="stat-value">{value}</div>
      {sub && <div className="stat-sub">{sub}</div>}
    </div>
  );
}

function Check({ ok, title, okText, missingText, testId }: { ok: boolean; title: string; okText: string; missingText: string; testId: string }): JSX.Element {
  return (
    <li className={`check ${ok ? 'check-ok' : 'check-warn'}`} data-testid={testId} data-ok={ok}>
      <span className="check-icon">
        <Icon name={ok ? 'check' : 'alert'} size={14} />
      </span>
      <div>
        <div className="check-title">{title}</div>
        <div className="check-text">{ok ? okText : missingText}</div>
      </div>
    </li>
  );
}

export function ModelSummaryCard({ model, projectName }: { model: ModelSummary; projectName?: string }): JSX.Element {
  const gqa = model.kvHeads < model.heads ? `GQA ${model.heads / model.kvHeads}:1` : 'MHA';
  const scaling = model.rope.scaling ? ` · ${model.rope.scaling.rope_type} scaling` : '';
  const rows: [string, ReactNode, string][] = [
    ['Model type', model.modelType, 'modelType'],
    ['Layers', nf.format(model.layers), 'layers'],
    ['Hidden size', nf.format(model.hidden), 'hidden'],
    ['Intermediate size', nf.format(model.intermediate), 'intermediate'],
    ['Attention heads', nf.format(model.heads), 'heads'],
    ['KV heads', <span title={model.kvHeads < model.heads ? `Grouped-query attention: ${model.heads / model.kvHeads} query heads share each KV head` : 'Multi-head attention'}>{nf.format(model.kvHeads)} <span className="muted">({gqa})</span></span>, 'kvHeads'],
    ['Head dim', nf.format(model.headDim), 'headDim'],
    ['Tied embeddings', model.tied ? 'Yes' : 'No', 'tied'],
    ['RoPE θ', `${nf.format(model.rope.theta)}${scaling}`, 'rope'],
    ['Weight files', model.weightFiles.length === 1 ? model.weightFiles[0] : `${model.weightFiles.length} shards`, 'files'],
  ];
  return (
    <article className="card model-card" data-testid="model-summary" aria-label={`Model ${basename(model.dir)}`}>
      <header className="model-card-head">
        <span className="model-card-icon">
          <Icon name="model" size={20} />
        </span>
        <div className="model-card-title">
          <h2 className="card-title" data-testid="model-name">
            {basename(model.dir)}
          </h2>
          <div className="model-card-path" title={model.dir}>
            {model.dir}
          </div>
        </div>
        {projectName && (
          <span className="pill pill-accent" data-testid="model-chosen" title={`The Train step of “${projectName}” starts from this model`}>
            <Icon name="check" size={12} /> Base model for {projectName}
          </span>
        )}
      </header>

      <div className="stat-row">
        <Stat label="Architecture" value={<span data-testid="model-architecture">{model.architecture}</span>} />
        <Stat label="Parameters" value={<span data-testid="model-params">{formatParams(model.parameterCount)}</span>} sub={nf.format(model.parameterCount)} />
        <Stat label="Context length" value={<span data-testid="model-context">{nf.format(model.maxPositionEmbeddings)}</span>} sub="tokens" />
        <Stat label="Vocabulary" value={<span data-testid="model-vocab">{nf.format(model.vocab)}</span>} sub="tokens" />
        <Stat label="Weights" value={<span data-testid="model-dtype">{model.dtype}</span>} sub={model.torchDtype ? `config: ${model.torchDtype}` : undefined} />
      </div>

      <dl className="spec-grid" data-testid="model-specs">
        {rows.map(([label, value, id]) => (
          <div key={id} className="spec" data-spec={id}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>

      <ul className="checks">
        <Check
          ok={model.hasTokenizer}
          testId="model-tokenizer"
          title="Tokenizer"
          okText="tokenizer.json found: datasets can be tokenized exactly as the model was trained."
          missingText="No tokenizer.json in this folder. Training needs it; copy it from the model’s repository."
        />
        <Check
          ok={model.hasChatTemplate}
          testId="model-chat-template"
          title="Chat template"
          okText="The model ships a chat template: conversations are formatted the way it expects."
          missingText="No chat template: fine for base models and plain instruction data; chat datasets need one."
        />
      </ul>
    </article>
  );
}
