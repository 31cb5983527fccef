// The licence of a model from its model card's YAML front matter (license / license_name), as the hub shows it.
import { parse } from 'yaml';

/** The `license` of a README.md front matter ("other" resolves to license_name when given); null when absent. */
export function licenseFromCard(readme: string): string | null {
  const m = /^---\r?\n([\s\S]*?)\r?\n---/.exec(readme);
  if (!m) return null;
  let meta: unknown;
  try {
    meta = parse(m[1]);
  } catch {
    return null; // a malformed card is not a reason to refuse the model; the licence is shown as unknown
  }
  if (!meta || typeof meta !== 'object') return null;
  const { license, license_name: name } = meta as { license?: unknown; license_name?: unknown };
  if (license === 'other' && typeof name === 'string') return name;
  if (typeof license === 'string') return license;
  if (Array.isArray(license) && typeof license[0] === 'string') return license.join(', ');
  return null;
}
