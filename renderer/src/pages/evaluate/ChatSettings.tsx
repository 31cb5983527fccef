// Sampling settings shared by the side-by-side chat and the A/B mode: temperature, top-p, max tokens, seed, same-seed
// mode and a system prompt.
import type { JSX } from 'react';
import type { ChatSettings as ChatSettingsValue } from '../../../../main/api/eval-types';

export type { ChatSettingsValue };

export const DEFAULT_CHAT_SETTINGS: ChatSettingsValue = { temperature: 0.7, topP: 0.95, maxNewTokens: 128, seed: 1, sameSeed: true };

function Num(props: { label: string; value: number; step: number; min: number; max: number; onChange: (v: number) => void; id: string }): JSX.Element {
  return (
    <label className="eval-setting" htmlFor={props.id}>
      <span className="field-label">{props.label}</span>
      <input id={props.id} className="input input-sm" type="number" value={props.value} step={props.step} min={props.min} max={props.max}
        onChange={(e) => { const v = Number(e.target.value); if (Number.isFinite(v)) props.onChange(Math.min(props.max, Math.max(props.min, v))); }} data-testid={props.id} />
    </label>
  );
}

/** The A/B mode always uses one seed for both answers, so it hides the same-seed switch and the system prompt. */
export function ChatSettings({ value, onChange, blind = false }: { value: ChatSettingsValue; onChange: (v: ChatSettingsValue) => void; blind?: boolean }): JSX.Element {
  const set = (patch: Partial<ChatSettingsValue>) => onChange({ ...value, ...patch });
  return (
    <div className="eval-settings">
      <Num id="chat-temperature" label="Temperature" value={value.temperature} step={0.1} min={0} max={5} onChange={(temperature) => set({ temperature })} />
      <Num id="chat-top-p" label="Top-p" value={value.topP} step={0.05} min={0.05} max={1} onChange={(topP) => set({ topP })} />
      <Num id="chat-max-tokens" label="Max tokens" value={value.maxNewTokens} step={16} min={1} max={4096} onChange={(maxNewTokens) => set({ maxNewTokens: Math.round(maxNewTokens) })} />
      <Num id="chat-seed" label="Seed" value={value.seed} step={1} min={0} max={2 ** 31 - 1} onChange={(seed) => set({ seed: Math.round(seed) })} />
      {!blind && (
      <label className="eval-check">
        <input type="checkbox" checked={value.sameSeed} onChange={(e) => set({ sameSeed: e.target.checked })} data-testid="chat-same-seed" />
        Same seed for both (the difference is the adapter's alone)
      </label>
      )}
      {!blind && (
        <label className="eval-setting eval-system" htmlFor="chat-system">
          <span className="field-label">System prompt</span>
          <input id="chat-system" className="input" value={value.system ?? ''} onChange={(e) => set({ system: e.target.value || undefined })} placeholder="(none)" />
        </label>
      )}
    </div>
  );
}
