// The DPO-family losses against golden values computed outside Lathe (by hand / a separate Python one-liner), against a
// naive scalar re-implementation, at the edges (equal log-probs, huge margins), and their derivatives by finite differences.
import { describe, expect, it } from 'vitest';
import { pairLoss, type PairLogps, type PreferenceObjective, type RefLogps } from '../../../main/host/trainer/objectives/preference-loss';

const params = { beta: 0.1, labelSmoothing: 0, simpoGamma: 0.5 };

// A deliberately naive scalar version of each formula (no stabilisation), valid for moderate inputs only.
function naive(o: PreferenceObjective, p: PairLogps, r: RefLogps, beta: number, eps: number, gamma: number): number {
  const ls = (x: number) => Math.log(1 / (1 + Math.exp(-x)));
  if (o === 'dpo') {
    const h = beta * (p.chosen - r.chosen - (p.rejected - r.rejected));
    return -(1 - eps) * ls(h) - eps * ls(-h);
  }
  if (o === 'ipo') {
    const d = (p.chosen - r.chosen) / p.chosenTokens - (p.rejected - r.rejected) / p.rejectedTokens - 1 / (2 * beta);
    return d * d;
  }
  const a = p.chosen / p.chosenTokens;
  const b = p.rejected / p.rejectedTokens;
  if (o === 'orpo') return -a - beta * ls(Math.log(Math.exp(a) / (1 - Math.exp(a))) - Math.log(Math.exp(b) / (1 - Math.exp(b))));
  const h = beta * (a - b) - gamma;
  return -(1 - eps) * ls(h) - eps * ls(-h);
}

const pair = { chosen: -10, rejected: -12, chosenTokens: 5, rejectedTokens: 4 };
const ref = { chosen: -11, rejected: -11 };

describe('preference losses', () => {
  it('match golden values computed independently', () => {
    expect(pairLoss('dpo', pair, ref, params).loss).toBeCloseTo(0.5981388693815918, 12);
    expect(pairLoss('dpo', pair, ref, { ...params, labelSmoothing: 0.1 }).loss).toBeCloseTo(0.6181388693815918, 12);
    expect(pairLoss('ipo', pair, ref, params).loss).toBeCloseTo(20.7025, 10);
    expect(pairLoss('orpo', { chosen: -2, rejected: -6, chosenTokens: 4, rejectedTokens: 3 }, null, params).loss).toBeCloseTo(0.50967058636494, 12);
    expect(pairLoss('simpo', { chosen: -2, rejected: -6, chosenTokens: 4, rejectedTokens: 3 }, null, { ...params, beta: 2 }).loss).toBeCloseTo(0.07888973429254956, 12);
    const r = pairLoss('dpo', pair, ref, params);
    expect(r.rewardChosen).toBeCloseTo(0.1, 12);
    expect(r.rewardRejected).toBeCloseTo(-0.1, 12);
  });

  it('match a naive scalar implementation on random pairs', () => {
    let seed = 3;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 200; i++) {
      const p = { chosen: -1 - rand() * 40, rejected: -1 - rand() * 40, chosenTokens: 1 + Math.floor(rand() * 20), rejectedTokens: 1 + Math.floor(rand() * 20) };
      const r = { chosen: p.chosen + (rand() - 0.5) * 6, rejected: p.rejected + (rand() - 0.5) * 6 };
      const pr = { beta: 0.05 + rand(), labelSmoothing: rand() * 0.3, simpoGamma: rand() };
      for (const o of ['dpo', 'ipo', 'orpo', 'simpo'] as const) {
        expect(pairLoss(o, p, r, pr).loss).toBeCloseTo(naive(o, p, r, pr.beta, pr.labelSmoothing, pr.simpoGamma), 9);
      }
    }
  });

  it('equal log-probs: dpo gives ln 2 with zero rewards, ipo (1/2beta)^2, simpo -log sigmoid(-gamma)', () => {
    const same = { chosen: -7, rejected: -7, chosenTokens: 3, rejectedTokens: 3 };
    const r = pairLoss('dpo', same, { chosen: -7, rejected: -7 }, params);
    expect(r.loss).toBeCloseTo(Math.LN2, 14);
    expect(r.rewardChosen).toBe(0);
    expect(r.dChosen).toBeCloseTo(-0.05, 14); // beta * -sigmoid(0)
    expect(r.dRejected).toBeCloseTo(0.05, 14);
    expect(pairLoss('dpo', same, same, { ...params, labelSmoothing: 0.2 }).loss).toBeCloseTo(Math.LN2, 14);
    expect(pairLoss('ipo', same, same, params).loss).toBeCloseTo(25, 12);
    expect(pairLoss('simpo', same, null, { ...params, beta: 2 }).loss).toBeCloseTo(Math.log1p(Math.exp(0.5)), 12);
  });

  it('huge margins stay finite in both directions (no overflow)', () => {
    const right = { chosen: -1, rejected: -1e6, chosenTokens: 1, rejectedTokens: 1 };
    const wrong = { chosen: -1e6, rejected: -1, chosenTokens: 1, rejectedTokens: 1 };
    const zero = { chosen: 0, rejected: 0 };
    for (const o of ['dpo', 'ipo', 'orpo', 'simpo'] as const) {
      for (const p of [right, wrong]) {
        const r = pairLoss(o, p, zero, { ...params, labelSmoothing: 0.1 });
        for (const v of [r.loss, r.dChosen, r.dRejected, r.rewardChosen, r.rewardRejected]) expect(Number.isFinite(v)).toBe(true);
      }
    }
    // dpo: a margin of 1e5 in beta units costs ~0 when right and exactly the margin when wrong.
    expect(pairLoss('dpo', right, zero, params).loss).toBeCloseTo(0, 12);
    expect(pairLoss('dpo', wrong, zero, params).loss).toBeCloseTo(0.1 * (1e6 - 1), 6);
    // orpo on a certain one-token answer (mean log-prob 0) is still finite.
    expect(Number.isFinite(pairLoss('orpo', { chosen: 0, rejected: -3, chosenTokens: 1, rejectedTokens: 1 }, null, params).loss)).toBe(true);
  });

  it('derivatives match finite differences', () => {
    const h = 1e-6;
    const p = { chosen: -8.3, rejected: -9.1, chosenTokens: 6, rejectedTokens: 4 };
    const r = { chosen: -8.9, rejected: -8.5 };
    for (const o of ['dpo', 'ipo', 'orpo', 'simpo'] as const) {
      const pr = { beta: 0.3, labelSmoothing: 0.1, simpoGamma: 0.4 };
      const g = pairLoss(o, p, r, pr);
      const fc = (pairLoss(o, { ...p, chosen: p.chosen + h }, r, pr).loss - pairLoss(o, { ...p, chosen: p.chosen - h }, r, pr).loss) / (2 * h);
      const fr = (pairLoss(o, { ...p, rejected: p.rejected + h }, r, pr).loss - pairLoss(o, { ...p, rejected: p.rejected - h }, r, pr).loss) / (2 * h);
      expect(g.dChosen).toBeCloseTo(fc, 6);
      expect(g.dRejected).toBeCloseTo(fr, 6);
    }
  });

  it('refuses dpo/ipo without reference log-probs and pairs with nothing scored', () => {
    expect(() => pairLoss('dpo', pair, null, params)).toThrow(/reference/);
    expect(() => pairLoss('simpo', { ...pair, chosenTokens: 0 }, null, params)).toThrow(/nothing to score/);
  });
});
