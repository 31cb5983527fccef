// Section 5: full fine-tuning vs LoRA vs QLoRA on this model: the layer's real modules, exact trainable counts and
// the engine's memory plan, with this machine's GPU (or RAM) drawn on the same chart.
import { useCallback, useEffect, useState, type JSX } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { ApproachesResult, MemoryParts } from '../../../../main/api/contract-learn';
import type { SystemInfo } from '../../../../main/api/contract';
import { api } from '../../api/client';
import { ErrorText } from '../../components/Field';
import { useApiQuery } from '../../hooks/useApiQuery';
import { formatBytes } from '../model/bytes';
import { count } from './format';
import { useAction } from './useAction';

const TARGETS = ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] as const;
type Target = (typeof TARGETS)[number];
const PARTS: { key: keyof Omit<MemoryParts, 'total'>; label: string; color: string }[] = [
  { key: 'weights', label: 'Base weights', color: 'var(--chart-1, #5b8def)' },
  { key: 'adapter', label: 'LoRA weights', color: 'var(--chart-2, #38b2ac)' },
  { key: 'gradients', label: 'Gradients', color: 'var(--chart-3, #ed8936)' },
  { key: 'optimizer', label: 'Optimizer state', color: 'var(--chart-4, #d53f8c)' },
  { key: 'activations', label: 'Activations', color: 'var(--chart-5, #9f7aea)' },
];

const share = (x: number) => (x >= 0.995 ? '100%' : x >= 0.01 ? `${(x * 100).toFixed(1)}%` : `${(x * 100).toFixed(2)}%`);

/** The memory line to compare with: the largest usable GPU, else the machine's RAM. */
function memoryLine(sys: SystemInfo | undefined): { bytes: number; label: string } | null {
  if (!sys) return null;
  const vk = sys.vulkanDevices.filter((d) => d.usable).sort((a, b) => b.vramBytes - a.vramBytes)[0];
  if (vk) return { bytes: vk.vramBytes, label: `${vk.name} (${formatBytes(vk.vramBytes)})` };
  const gpu = [...sys.gpus].sort((a, b) => b.memoryBytes - a.memoryBytes)[0];
  if (gpu) return { bytes: gpu.memoryBytes, label: `${gpu.name} (${formatBytes(gpu.memoryBytes)})` };
  return { bytes: sys.memory.totalBytes, label: `this machine's RAM (${formatBytes(sys.memory.totalBytes)}); no GPU found` };
}

function LayerDiagram({ r }: { r: ApproachesResult }): JSX.Element {
  return (
    <div className="learn-layer" data-testid="learn-layer">
      <div className="learn-layer-head">One decoder layer of {r.layers}, hidden size {r.hidden}</div>
      <ul className="learn-modules">
        {r.modules.map((m) => {
          const on = r.targets.includes(m.module);
          return (
            <li key={m.module} className={on ? 'learn-module learn-module-on' : 'learn-module'}>
              <code>{m.module}</code> {m.in} → {m.out}
              <span className="form-hint">{on ? `LoRA ${count(r.r * (m.in + m.out))}` : 'frozen'}</span>
            </li>
          );
        })}
      </ul>
      <div className="form-hint">
        Embeddings: {r.vocab.toLocaleString()} tokens × {r.hidden}{r.tied ? ' (shared with the output head)' : ', plus a separate output head'}; frozen in every LoRA setup.
      </div>
    </div>
  );
}

export function ApproachesSection({ model }: { model: string | undefined }): JSX.Element {
  const [r, setR] = useState(16);
  const [targets, setTargets] = useState<Target[]>([...TARGETS]);
  const [seqLen, setSeqLen] = useState(1024);
  const sys = useApiQuery(() => api.system.info());
  const plan = useAction(useCallback((rank: number, t: Target[], s: number) => api.learn.approaches({ model, r: rank, targets: t, seqLen: s }), [model]));
  const run = plan.run;
  useEffect(() => {
    if (targets.length) void run(r, targets, seqLen);
  }, [run, r, targets, seqLen]);
  const line = memoryLine(sys.data);
  const res = plan.data;
  const rows = res?.approaches.map((a) => ({ name: a.label, ...a.memory })) ?? [];
  const biggest = Math.max(0, ...rows.map((x) => x.total));
  // A small model next to a big memory would shrink every bar to a sliver: the line is drawn only when it is within
  // reach of the bars, and said in words otherwise.
  const drawLine = line && line.bytes <= biggest * 4 ? line : null;
  const summary = res
    ? res.approaches.map((a) => `${a.label}: ${formatBytes(a.memory.total)}, ${count(a.trainable)} trainable`).join('; ') + (line ? `. Your memory: ${formatBytes(line.bytes)}.` : '.')
    : '';
  return (
    <div className="learn-demo">
      <p>
        Full fine-tuning updates every weight, so every weight needs a gradient and optimizer state as well: several times the model&apos;s own size. LoRA freezes the model
        and trains two thin matrices beside chosen layers. QLoRA also stores the frozen model in 4 bits. The figures below are this model&apos;s, from its config and the
        engine&apos;s own memory plan for one sequence, planned for a GPU where every weight must sit in memory.
      </p>
      <fieldset className="learn-controls">
        <legend className="field-label">LoRA settings</legend>
        <label>Rank <select className="input input-sm" value={r} onChange={(e) => setR(Number(e.target.value))} data-testid="learn-ap-rank">
          {[4, 8, 16, 32, 64].map((x) => <option key={x} value={x}>{x}</option>)}
        </select></label>
        <label>Sequence length <select className="input input-sm" value={seqLen} onChange={(e) => setSeqLen(Number(e.target.value))}>
          {[512, 1024, 2048, 4096].map((x) => <option key={x} value={x}>{x}</option>)}
        </select></label>
        <span className="learn-targets">Targets:
          {TARGETS.map((t) => (
            <label key={t}><input type="checkbox" checked={targets.includes(t)} onChange={(e) => setTargets(e.target.checked ? TARGETS.filter((x) => x === t || targets.includes(x)) : targets.filter((x) => x !== t))} /> {t}</label>
          ))}
        </span>
      </fieldset>
      {!targets.length && <p className="form-hint">Pick at least one module for LoRA to train.</p>}
      {plan.error && <ErrorText error={plan.error} />}
      {res && (
        <>
          <LayerDiagram r={res} />
          <figure className="chart-card learn-chart" data-testid="learn-ap-chart">
            <figcaption className="chart-head"><span className="chart-title">Training memory for one sequence of {res.seqLen} tokens</span></figcaption>
            <div className="chart-body" role="img" aria-label={`Training memory by approach. ${summary}`} data-testid="learn-ap-chart-alt">
              <ResponsiveContainer width="100%" height={200}>
                <BarChart data={rows} layout="vertical" margin={{ left: 8, right: 24, top: 8, bottom: 8 }}>
                  <CartesianGrid strokeDasharray="3 3" horizontal={false} />
                  <XAxis type="number" tickFormatter={(v: number) => formatBytes(v)} domain={[0, (max: number) => Math.max(max, drawLine?.bytes ?? 0) * 1.05]} />
                  <YAxis type="category" dataKey="name" width={150} />
                  <Tooltip formatter={(v) => formatBytes(Number(v))} />
                  <Legend />
                  {PARTS.map((p) => <Bar key={p.key} dataKey={p.key} name={p.label} stackId="m" fill={p.color} isAnimationActive={false} />)}
                  {drawLine && <ReferenceLine x={drawLine.bytes} stroke="var(--danger, #e53e3e)" strokeDasharray="6 3" label={{ value: 'your memory', position: 'insideTopRight', fill: 'currentColor' }} />}
                </BarChart>
              </ResponsiveContainer>
            </div>
            {line && !drawLine && <p className="form-hint" data-testid="learn-ap-offchart">Your memory ({formatBytes(line.bytes)}) is more than 4 times the largest bar, far off this chart to the right: every approach fits.</p>}
          </figure>
          <table className="learn-table" data-testid="learn-ap-table" aria-label="Trainable parameters and memory by approach">
            <thead>
              <tr><th scope="col">Approach</th><th scope="col">Trainable</th>{PARTS.map((p) => <th key={p.key} scope="col">{p.label}</th>)}<th scope="col">Total</th><th scope="col">Fits?</th></tr>
            </thead>
            <tbody>
              {res.approaches.map((a) => (
                <tr key={a.id} title={a.source}>
                  <th scope="row">{a.label}</th>
                  <td>{count(a.trainable)} ({share(a.trainable / res.baseParameters)})</td>
                  {PARTS.map((p) => <td key={p.key}>{formatBytes(a.memory[p.key])}</td>)}
                  <td><strong>{formatBytes(a.memory.total)}</strong></td>
                  <td>{line ? (a.memory.total <= line.bytes ? 'yes' : 'no') : '?'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="form-hint">
            Compared with {line?.label ?? 'your memory (probing…)'}. LoRA and QLoRA rows are the engine&apos;s training plan exactly. Lathe does not do full fine-tuning, so that row
            uses the engine&apos;s weights and activations plus 4 bytes of gradient and 8 of Adam state per parameter, the same rule the engine plans LoRA weights by.
          </p>
        </>
      )}
    </div>
  );
}
