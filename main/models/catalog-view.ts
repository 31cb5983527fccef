// What the catalog shows for this machine: each entry with its plan at the common QLoRA settings and the fit verdict.
import type { CatalogRow, CatalogView } from '../api/model-library-types';
export type { CatalogRow, CatalogView };

