// The lever guide's calls on small synthetic datasets: short fact answers -> RAG, formatted answers -> SFT, documents
// -> mid-training, pairs -> alignment, prompts with checkable answers -> RL, nothing -> a pointer to the Data step.
import { describe, expect, it } from 'vitest';
import { adviseLever, type GuideRow } from '../../../renderer/src/pages/learn/lever-guide';

const chat = (q: string, a: string): GuideRow => ({ kind: 'chat', messages: [{ role: 'user', content: q }, { role: 'assistant', content: a }] });

describe('lever guide', () => {
  it('sends short fact answers to retrieval', () => {
    const rows = Array.from({ length: 20 }, (_, i) => chat(`What is the price of item ${i}?`, `It costs ${i + 3} euros.`));
    const a = adviseLever(rows);
    expect(a.lever).toBe('rag');
    expect(a.stats.shortAnswerShare).toBe(1);
  });
  it('sends formatted answers to SFT', () => {
    const rows = Array.from({ length: 10 }, (_, i) => chat(`Summarise ticket ${i} as JSON.`, `{"ticket": ${i}, "priority": "high", "summary": "The printer on floor ${i} jams when printing double-sided pages"}`));
    expect(adviseLever(rows).lever).toBe('sft');
  });
  it('sends documents to mid-training, pairs to alignment, checkable prompts to RL', () => {
    expect(adviseLever([{ kind: 'text', text: 'word '.repeat(500) }, { kind: 'text', text: 'word '.repeat(800) }]).lever).toBe('midtrain');
    expect(adviseLever([{ kind: 'preference', messages: [{ role: 'user', content: 'hi' }], chosen: [], }]).lever).toBe('align');
    expect(adviseLever([{ kind: 'chat', messages: [{ role: 'user', content: '2+2?' }], answer: '4' }]).lever).toBe('rl');
  });
  it('says what it needs when there is no data', () => {
    expect(adviseLever([]).lever).toBe('none');
  });
});
