// The three starting points offered in the New run form, as partial training configs over the server's defaults
// (anything a preset does not set keeps the default from training.configHelp).
import type { TrainingConfigInput } from '../../../../main/api/contract';

export type PresetId = 'quick' | 'balanced' | 'max';

export interface Preset {
  id: PresetId;
  label: string;
  description: string;
  config: Partial<TrainingConfigInput>;
}

export const PRESETS: readonly Preset[] = [
  {
    id: 'quick',
    label: 'Quick',
    description: 'Rank 8, one epoch, 512-token sequences: a first result in minutes to check the data works.',
    config: { loraR: 8, loraAlpha: 16, epochs: 1, seqLen: 512 },
  },
  {
    id: 'balanced',
    label: 'Balanced',
    description: 'Lathe’s defaults: rank 16 on all linear layers, two epochs. Right for most fine-tunes.',
    config: {},
  },
  {
    id: 'max',
    label: 'Max quality',
    description: 'Rank 64, alpha 128, three epochs, evaluation every 25 steps. Slower; for larger datasets.',
    config: { loraR: 64, loraAlpha: 128, epochs: 3, evalEvery: 25 },
  },
];

export const DEFAULT_PRESET: PresetId = 'balanced';

export function presetById(id: PresetId): Preset {
  return PRESETS.find((p) => p.id === id) ?? PRESETS[1];
}
