// The bottom bar: connection, engine backends, CPU features, GPUs and memory (system.info), and the app version (app.info).
import type { JSX } from 'react';
import type { AppInfo, SystemInfo } from '../../../main/api/contract';
import { api } from '../api/client';
import type { ConnectionState } from '../api/ws-client';
import { useApiQuery } from '../hooks/useApiQuery';
import { Icon } from './Icon';

const GiB = 2 ** 30;

function formatGiB(bytes: number): string {
  const g = bytes / GiB;
  return `${g >= 10 ? Math.round(g) : g.toFixed(1)} GiB`;
}

/** The CPU features that matter for the engine's kernels, strongest first. */
export function cpuFeatureLabels(f: SystemInfo['cpu']['features']): string[] {
  const out: string[] = [];
  if (f.amx) out.push('AMX');
  if (f.avx512f) out.push('AVX-512');
  if (f.avx2) out.push('AVX2');
  if (f.fma) out.push('FMA');
  if (f.f16c) out.push('F16C');
  return out;
}

function Engine({ info }: { info: SystemInfo }): JSX.Element {
  const features = cpuFeatureLabels(info.cpu.features);
  const notes = Object.entries(info.engine.notes).map(([k, v]) => `${k.toUpperCase()}: ${v}`);
  // The GPUs the engine trains on are Vulkan devices; a CPU device (lavapipe) is not a GPU, and the CUDA list only
  // says what the CUDA self-test saw when there is no Vulkan driver.
  const vkGpus = info.vulkanDevices.filter((d) => d.usable && d.type !== 'cpu');
  const gpuText = vkGpus.length
    ? vkGpus.map((d) => `${d.name} · ${formatGiB(d.vramBytes)}`).join(', ')
    : info.gpus.length === 0 ? 'No GPU' : info.gpus.map((g) => `${g.name} · ${formatGiB(g.memoryBytes)} (no Vulkan driver)`).join(', ');
  return (
    <>
      <span
        className="status-item"
        data-testid="status-backends"
        title={[`Engine ${info.engine.version}`, `Compiled: ${info.engine.compiled.join(', ') || 'none'}`, ...notes].join('\n')}
      >
        <Icon name="chip" size={13} />
        <span className="status-label">Backends</span>
        {info.engine.backends.length === 0 && <span className="chip chip-warn">none</span>}
        {info.engine.backends.map((b) => (
          <span key={b} className="chip">
            {b.toUpperCase()}
          </span>
        ))}
      </span>
      <span className="status-item" data-testid="status-cpu" title={`${info.cpu.model} · ${info.cpu.cores} threads`}>
        <span className="status-label">CPU</span>
        {features.length ? features.join(' · ') : 'no SIMD extensions'}
      </span>
      <span className="status-item" data-testid="status-gpu" title={notes.join('\n') || undefined}>
        <span className="status-label">GPU</span>
        {gpuText}
      </span>
      <span className="status-item" title={`${formatGiB(info.memory.freeBytes)} free`}>
        <span className="status-label">RAM</span>
        {formatGiB(info.memory.totalBytes)}
      </span>
    </>
  );
}

export function StatusBar({ conn, transport }: { conn: ConnectionState; transport: string }): JSX.Element {
  const system = useApiQuery<SystemInfo>(() => api.system.info());
  const app = useApiQuery<AppInfo>(() => api.app.info());
  const online = conn.status === 'open';
  return (
    <footer className="statusbar" aria-label="Status">
      <span className="status-item" data-testid="status-connection">
        <span className={`dot ${online ? 'dot-ok' : 'dot-warn'}`} aria-hidden="true" />
        {online ? (transport === 'electron' ? 'Local' : 'Connected') : 'Offline'}
      </span>
      {system.data ? (
        <Engine info={system.data} />
      ) : system.error ? (
        <span className="status-item status-error" data-testid="status-backends" title={system.error.hint}>
          <Icon name="alert" size={13} /> Engine unavailable: {system.error.message}
        </span>
      ) : (
        <span className="status-item status-muted" data-testid="status-backends">
          Probing engine…
        </span>
      )}
      <span className="status-spacer" />
      <span className="status-item status-muted" data-testid="status-version" title={app.data?.libraryDir ? `Library: ${app.data.libraryDir}` : undefined}>
        {app.data ? `${app.data.name} ${app.data.version}` : ''}
      </span>
    </footer>
  );
}
