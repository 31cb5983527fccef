// The New run form's own logic, apart from its React parts: the batch it would train with and the sentences about it,
// where an error is shown, the settings an imported dataset brings from the Data step, and a cloned run's dataset.
import { describe, expect, it } from 'vitest';
import type { ConfigHelp, DatasetSummary } from '../../../main/api/contract';
import { ApiError, toApiError } from '../../../renderer/src/api/errors';
import { applyNote, applySuggestion, batchText, effectiveBatch, effectiveNumber } from '../../../renderer/src/pages/train/batch-math';
import { clonedDataset } from '../../../renderer/src/pages/train/clone';
import type { ConfigField } from '../../../renderer/src/pages/train/config-form';
import { dataSettings, dataSettingsHint } from '../../../renderer/src/pages/train/data-settings';
import { errorSlots, fieldElementId, missingChoice, serverErrorAt } from '../../../renderer/src/pages/train/start-errors';

const help = {
  microBatch: { help: '', default: 4, kind: 'integer' },
  gradAccum: { help: '', default: 2, kind: 'integer', max: 64 },
  seqLen: { help: '', default: 1024, kind: 'integer' },
  loraR: { help: '', default: 16, kind: 'integer' },
} as unknown as ConfigHelp;

describe('batch arithmetic', () => {
  it('takes the user’s value over the preset’s over the server’s default', () => {
    expect(effectiveNumber('seqLen', {}, {}, help)).toBe(1024);
    expect(effectiveNumber('seqLen', {}, { seqLen: 512 }, help)).toBe(512);
    expect(effectiveNumber('seqLen', { seqLen: '256' }, { seqLen: 512 }, help)).toBe(256);
    // Blank or not a number yet: the preset's value stands, or nothing is known.
    expect(effectiveNumber('seqLen', { seqLen: '  ' }, { seqLen: 512 }, help)).toBe(512);
    expect(effectiveNumber('seqLen', { seqLen: 'abc' }, {}, help)).toBeUndefined();
    expect(effectiveNumber('nope', {}, {}, undefined)).toBeUndefined();
  });

  it('knows the batch only when all three are known and non-zero', () => {
    expect(effectiveBatch({}, {}, help)).toEqual({ microBatch: 4, gradAccum: 2, seqLen: 1024 });
    expect(effectiveBatch({ microBatch: '0' }, {}, help)).toBeUndefined();
    expect(effectiveBatch({}, {}, undefined)).toBeUndefined();
  });

  it('says the sequences and tokens per optimizer step', () => {
    expect(batchText({ microBatch: 4, gradAccum: 2, seqLen: 1024 })).toBe('8 sequences of up to 1,024 tokens per optimizer step (8,192 tokens)');
    expect(batchText({ microBatch: 1, gradAccum: 1, seqLen: 64 })).toBe('1 sequence of up to 64 tokens per optimizer step (64 tokens)');
    expect(batchText(undefined)).toBe('');
  });

  it('applies a suggestion keeping the batch when it is known, and says so', () => {
    const changes = applySuggestion({ microBatch: 1024, gradAccum: 8, seqLen: 131072 }, { microBatch: 16, seqLen: 131072 }, 4096);
    expect(changes).toEqual({ microBatch: '16', seqLen: '131072', gradAccum: '512' });
    expect(applyNote(changes)).toBe('gradient accumulation 512 keeps 8,192 sequences per step');
    // Without a known batch only the suggestion's own values, and nothing to say about accumulation.
    expect(applySuggestion(undefined, { microBatch: 2, seqLen: 512 }, 4096)).toEqual({ microBatch: '2', seqLen: '512' });
    expect(applyNote({ microBatch: '2', seqLen: '512' })).toBeUndefined();
    expect(applyNote(undefined)).toBeUndefined();
  });
});

describe('errors at their field', () => {
  const fields = [{ key: 'loraR', label: 'LoRA rank (r)' }] as ConfigField[];

  it('asks for the model, then the dataset, before anything is sent', () => {
    expect(missingChoice(' ', '')?.key).toBe('model');
    expect(missingChoice('m', ' ')).toMatchObject({ key: 'dataset', error: { code: 'form.required', message: 'Choose a dataset first.' } });
    expect(missingChoice('m', 'd')).toBeUndefined();
  });

  it('places a server error at the field it names, in words about that field', () => {
    const err = toApiError({ code: 'invalid', message: 'training.start: config.loraR: too big', hint: 'h', field: 'config.loraR', issues: [{ field: 'config.loraR', message: 'must be at most 512' }] });
    const at = serverErrorAt(err, fields);
    expect(at.key).toBe('loraR');
    expect([at.error.message, at.error.hint, at.error.code]).toEqual(['LoRA rank (r): must be at most 512', 'h', 'invalid']);
    expect(serverErrorAt(toApiError({ code: 'x', message: 'm', field: 'dataset', issues: [{ field: 'dataset', message: 'not found' }] }), fields).error.message).toBe('Dataset file: not found');
    // No field named (or one the form has not): the error as the server said it, about the run as a whole.
    const plain = new ApiError('busy', 'A run is already going.');
    expect(serverErrorAt(plain, fields)).toEqual({ key: undefined, error: plain });
  });

  it('focuses the input an error is about: the base model and dataset inputs have their own ids', () => {
    expect(['model', 'dataset', 'loraR'].map(fieldElementId)).toEqual(['run-model', 'run-dataset', 'cfg-loraR']);
  });

  it('shows each error in one place: a primary field, an Advanced setting, or by the Start button', () => {
    const e = new ApiError('c', 'm');
    expect(errorSlots(undefined, fields)).toEqual({});
    expect(errorSlots({ key: 'model', error: e }, fields)).toEqual({ model: e, dataset: undefined, advanced: undefined, general: undefined });
    expect(errorSlots({ key: 'loraR', error: e }, fields)).toMatchObject({ advanced: { key: 'loraR', error: e }, general: undefined });
    expect(errorSlots({ error: e }, fields)).toMatchObject({ advanced: undefined, general: e });
    // A key the form has no field for still goes by the Start button, so it is never lost.
    expect(errorSlots({ key: 'mystery', error: e }, fields).general).toBe(e);
  });
});

describe('settings from the Data step', () => {
  const dataset = (training: Record<string, unknown> | undefined) => ({ id: 'd1', options: training ? { training } : {} }) as unknown as DatasetSummary;

  it('carries only the keys a run has, the template under the run’s name', () => {
    expect(dataSettings(undefined)).toBeUndefined();
    expect(dataSettings(dataset(undefined))).toBeUndefined();
    expect(dataSettings(dataset({ seqLen: 1024, template: 'chatml', tokenizerPath: '/t' }))).toEqual({ seqLen: 1024, chatTemplate: 'chatml' });
    expect(dataSettings(dataset({ template: 'chatml', chatTemplate: 'alpaca' }))).toEqual({ chatTemplate: 'alpaca' });
  });

  it('says where they came from, or which ones this run changes', () => {
    const from = { validationFraction: 0.1, seqLen: 1024 };
    expect(dataSettingsHint(from, { seqLen: '1024' })).toEqual({ changed: false, text: 'Validation share 0.1, Max length 1024: from your Data settings, so the run trains on the rows the Data step reported.' });
    expect(dataSettingsHint(from, { seqLen: '256', validationFraction: '0.2' })).toEqual({
      changed: true,
      text: 'You changed the validation share and max length from your Data settings (validation share 0.1, max length 1024); this run uses your value.',
    });
  });
});

describe('cloned run’s dataset', () => {
  it('is a library dataset’s id when the path is its folder, the path otherwise', () => {
    expect(clonedDataset('/home/me/.lathe/datasets/ds-123')).toBe('ds-123');
    expect(clonedDataset('C:\\lathe\\datasets\\ds-9\\')).toBe('ds-9');
    expect(clonedDataset('/home/me/data/support.jsonl')).toBe('/home/me/data/support.jsonl');
  });
});
