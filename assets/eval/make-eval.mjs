// Generates Lathe's bundled eval set for the demo skill (written for Lathe, deterministic): held-out contact notes
// (none appears in assets/demo/contacts-sft.jsonl) with three kinds of check:
//   json-schema  the answer parses and matches contact.schema.json (keys, types, E.164 phone)
//   regex        the answer is a JSON object in the trained key order (starts with {"name":)
//   choice       the exact JSON answer is more likely than the same facts written as prose (log-probs, no generation)
// Run: node assets/eval/make-eval.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
let seed = 77001;
const rand = () => {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return seed / 4294967296;
};
const pick = (a) => a[Math.floor(rand() * a.length)];
const chance = (p) => rand() < p;

const FIRST = ['Alma', 'Boris', 'Carmen', 'Dmitri', 'Elif', 'Farah', 'Gabriel', 'Hana', 'Ivo', 'Jude', 'Kenji', 'Leila', 'Marta', 'Nils', 'Oren', 'Paula'];
const LAST = ['Abbott', 'Bianchi', 'Costa', 'Diallo', 'Engel', 'Ferreira', 'Grant', 'Holm', 'Iqbal', 'Jovanovic', 'Keller', 'Lindqvist'];
const COMPANY = ['Cedar Dental', 'Foxglove Media', 'Ironclad Roofing', 'Lumen Optics', 'Quarry Coffee', 'Tidewater Marine'];
const TOPIC = ['the renewal quote', 'a missing delivery', 'the training session', 'their invoice', 'a partnership'];
const WHEN = ['tomorrow', 'Thursday', 'next week', 'after lunch'];

const INSTRUCTION = 'Extract the contact from this note as JSON with the keys name, company, email, phone (E.164) and follow_up. Use null for anything the note does not say.';

function contact() {
  const first = pick(FIRST);
  const last = pick(LAST);
  const company = chance(0.75) ? pick(COMPANY) : null;
  const domain = company ? company.toLowerCase().replace(/[^a-z]+/g, '') + '.com' : pick(['gmail.com', 'outlook.com']);
  const email = chance(0.8) ? `${first}.${last}@${domain}`.toLowerCase() : null;
  const d = Array.from({ length: 10 }, (_, i) => (i === 0 ? 2 + Math.floor(rand() * 7) : Math.floor(rand() * 10))).join('');
  const phone = chance(0.7) ? `+1${d}` : null;
  const follow = chance(0.6) ? pick(WHEN) : null;
  const bits = [pick([`call from ${first} ${last}`, `spoke w/ ${first} ${last}`, `${first} ${last} emailed`])];
  if (company) bits.push(pick([`(${company})`, `from ${company}`]));
  bits.push(`re ${pick(TOPIC)}`);
  if (email) bits.push(pick([`email ${email}`, email]));
  if (phone) bits.push(pick([`cell ${d.slice(0, 3)}-${d.slice(3, 6)}-${d.slice(6)}`, `ph (${d.slice(0, 3)}) ${d.slice(3, 6)}-${d.slice(6)}`]));
  if (follow) bits.push(`call back ${follow}`);
  const answer = { name: `${first} ${last}`, company, email, phone, follow_up: follow };
  return { note: bits.join(pick([', ', ' / ', '; '])), answer };
}

/** The same facts as a sentence: right content, wrong format. */
function prose(a) {
  const parts = [`The contact is ${a.name}`];
  if (a.company) parts.push(`from ${a.company}`);
  if (a.email) parts.push(`email ${a.email}`);
  if (a.phone) parts.push(`phone ${a.phone}`);
  return parts.join(', ') + '.';
}

const trained = new Set(readFileSync(join(here, '..', 'demo', 'contacts-sft.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l).input));
const seen = new Set();
const rows = [];
const kinds = ['json-schema', 'regex', 'choice'];
while (rows.length < 36) {
  const c = contact();
  if (seen.has(c.note) || trained.has(c.note)) continue;
  seen.add(c.note);
  const kind = kinds[rows.length % kinds.length];
  const prompt = `${INSTRUCTION}\n\n${c.note}`;
  const json = JSON.stringify(c.answer);
  if (kind === 'json-schema') rows.push({ prompt, expected: json, check: { kind, schemaFile: 'contact.schema.json' } });
  else if (kind === 'regex') rows.push({ prompt, check: { kind, pattern: '^\\s*\\{\\s*"name"\\s*:' } });
  else rows.push({ prompt, expected: json, check: { kind, options: [json, prose(c.answer)] } });
}
writeFileSync(join(here, 'contacts-eval.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
console.log(`wrote ${rows.length} eval rows`);
