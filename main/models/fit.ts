// The "will it fit" rule shared by the fit check and the catalog: a plan fits a memory pool when it needs at most a
// fixed share of what is free (the rest stays for the OS and the app).
import type { FitVerdict } from '../api/model-library-types';
export type { FitVerdict };

/** The share of free memory a run may plan to use. */
export const BUDGET_SHARE = 0.85;

export interface MachineMemory {
  /** Free system memory now. */
  freeBytes: number;
  /** Memory of each GPU the engine can train on (empty when no GPU backend is available). */
  gpuBytes: number[];
}

/** Fits on a GPU the engine can use, else in system memory (CPU training), else not at all. */
export function fitVerdict(plannedBytes: number, m: MachineMemory): FitVerdict {
  if (m.gpuBytes.some((b) => plannedBytes <= Math.floor(b * BUDGET_SHARE))) return 'gpu';
  if (plannedBytes <= Math.floor(m.freeBytes * BUDGET_SHARE)) return 'cpu';
  return 'none';
}
