// The settings an imported dataset carries from the Data step to the New run form (only keys a run has), with their
// names in words for the form's "from your Data settings" hint.
import type { DatasetSummary } from '../../../../main/api/contract';

export const DATA_KEYS: Record<string, string> = { validationFraction: 'validation share', seqLen: 'max length', lossMask: 'loss mask', lengthPolicy: 'length policy', chatTemplate: 'chat template' };

/** The training settings an imported dataset carries from the Data step (only the keys a run has). */
export function dataSettings(d: DatasetSummary | undefined): Record<string, string | number> | undefined {
  const t = d?.options?.training as Record<string, unknown> | undefined;
  if (!t) return undefined;
  const out: Record<string, string | number> = {};
  // The Data step stores its template choice as `template` (the run's key is chatTemplate).
  const given: Record<string, unknown> = { ...t, ...(t.chatTemplate === undefined && typeof t.template === 'string' ? { chatTemplate: t.template } : {}) };
  for (const k of Object.keys(DATA_KEYS)) if (typeof given[k] === 'number' || typeof given[k] === 'string') out[k] = given[k] as string | number;
  return Object.keys(out).length ? out : undefined;
}

/**
 * The New run form's line about them: that they came from the Data step, or which of them the user changed here (and
 * what the Data step had), since the run then trains on rows other than those the Data step reported.
 */
export function dataSettingsHint(fromData: Record<string, string | number>, overrides: Record<string, unknown>): { text: string; changed: boolean } {
  const changed = Object.keys(fromData).filter((k) => overrides[k] !== undefined && String(overrides[k]).trim() !== String(fromData[k]));
  if (changed.length) {
    return { changed: true, text: `You changed the ${changed.map((k) => DATA_KEYS[k]).join(' and ')} from your Data settings (${changed.map((k) => `${DATA_KEYS[k]} ${fromData[k]}`).join(', ')}); this run uses your value.` };
  }
  const named = Object.entries(fromData).map(([k, v]) => `${DATA_KEYS[k].charAt(0).toUpperCase()}${DATA_KEYS[k].slice(1)} ${v}`);
  return { changed: false, text: `${named.join(', ')}: from your Data settings, so the run trains on the rows the Data step reported.` };
}
