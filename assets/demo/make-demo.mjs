// Generates Lathe's demo datasets (written for Lathe, deterministic): messy contact notes -> one fixed JSON shape.
//   contacts-sft.jsonl         Alpaca rows (instruction, input, output) for supervised fine-tuning
//   contacts-preference.jsonl  prompt / chosen / rejected rows for preference (DPO) training
// Run: node assets/demo/make-demo.mjs
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
let seed = 20261127;
const rand = () => {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return seed / 4294967296;
};
const pick = (a) => a[Math.floor(rand() * a.length)];
const chance = (p) => rand() < p;

const FIRST = ['Ana', 'Bilal', 'Chen', 'Dara', 'Emeka', 'Fatima', 'Giulia', 'Hiro', 'Ines', 'Jonas', 'Kofi', 'Lena', 'Mateo', 'Nadia', 'Olu', 'Priya', 'Quinn', 'Rosa', 'Sven', 'Tala', 'Umar', 'Vera', 'Wen', 'Yusuf', 'Zoe'];
const LAST = ['Almeida', 'Brandt', 'Castillo', 'Dubois', 'Eze', 'Fischer', 'Gupta', 'Haddad', 'Ivanova', 'Jensen', 'Kowalski', 'Larsen', 'Moreau', 'Nakamura', 'Okafor', 'Petrov', 'Quist', 'Rossi', 'Santos', 'Tanaka'];
const COMPANY = ['Northwind Tools', 'Bluebird Bakery', 'Kite Analytics', 'Harbor Freight Co', 'Maple & Sons', 'Orbit Labs', 'Greenleaf Clinic', 'Summit Legal', 'Pixel Foundry', 'Riverbend School'];
const TOPIC = ['invoice #4412', 'the Q3 renewal', 'a demo next week', 'the broken pallet order', 'catering for 40', 'the API pricing', 'a site visit', 'the contract draft', 'the late shipment', 'onboarding'];
const WHEN = ['tomorrow', 'Friday', 'next Monday', 'end of month', 'after the 15th', 'this afternoon'];

function person() {
  const first = pick(FIRST);
  const last = pick(LAST);
  const company = chance(0.75) ? pick(COMPANY) : null;
  const user = pick([`${first}.${last}`, `${first[0]}${last}`, first, `${first}_${last[0]}`]).toLowerCase();
  const domain = company ? company.toLowerCase().replace(/[^a-z]+/g, '') + '.com' : pick(['gmail.com', 'outlook.com', 'proton.me']);
  const email = chance(0.8) ? `${user}@${domain}` : null;
  const digits = Array.from({ length: 10 }, (_, i) => (i === 0 ? 2 + Math.floor(rand() * 7) : Math.floor(rand() * 10))).join('');
  const phone = chance(0.7) ? `+1${digits}` : null;
  const followUp = chance(0.6) ? pick(WHEN) : null;
  return { first, last, company, email, phone, followUp, topic: pick(TOPIC) };
}

/** A phone number written the way people type it. */
function messyPhone(p) {
  const d = p.slice(2);
  return pick([
    `(${d.slice(0, 3)}) ${d.slice(3, 6)}-${d.slice(6)}`,
    `${d.slice(0, 3)}.${d.slice(3, 6)}.${d.slice(6)}`,
    `+1 ${d.slice(0, 3)} ${d.slice(3, 6)} ${d.slice(6)}`,
    `${d.slice(0, 3)}-${d.slice(3, 6)}-${d.slice(6)}`,
    d,
  ]);
}
function messyEmail(e) {
  return pick([e, e, e.toUpperCase(), e.replace('@', ' at ').replace(/\.(?=[a-z]+$)/, ' dot '), `<${e}>`]);
}

function note(p) {
  const name = pick([`${p.first} ${p.last}`, `${p.last}, ${p.first}`, `${p.first} ${p.last[0]}.`, `${p.first.toLowerCase()} ${p.last.toLowerCase()}`]);
  const bits = [];
  bits.push(pick([`spoke w/ ${name}`, `call from ${name}`, `${name} -`, `met ${name}`, `vm from ${name}`, `${name} emailed`]));
  if (p.company) bits.push(pick([`(${p.company})`, `from ${p.company}`, `@ ${p.company}`, `${p.company.toLowerCase()}`]));
  bits.push(pick([`re ${p.topic}`, `about ${p.topic}`, `wants to talk ${p.topic}`, `asked re: ${p.topic}`]));
  if (p.email) bits.push(pick([`email ${messyEmail(p.email)}`, `mail: ${messyEmail(p.email)}`, messyEmail(p.email)]));
  if (p.phone) bits.push(pick([`ph ${messyPhone(p.phone)}`, `cell ${messyPhone(p.phone)}`, `tel: ${messyPhone(p.phone)}`, messyPhone(p.phone)]));
  if (p.followUp) bits.push(pick([`follow up ${p.followUp}`, `call back ${p.followUp}`, `ping again ${p.followUp}`, `f/u ${p.followUp}`]));
  const sep = pick([', ', ' / ', '; ', ' - ', '\n']);
  return bits.join(sep);
}

const answer = (p) => JSON.stringify({
  name: `${p.first} ${p.last}`,
  company: p.company,
  email: p.email,
  phone: p.phone,
  follow_up: p.followUp,
});

const INSTRUCTION = 'Extract the contact from this note as JSON with the keys name, company, email, phone (E.164) and follow_up. Use null for anything the note does not say.';

const sft = [];
const seen = new Set();
while (sft.length < 400) {
  const p = person();
  const input = note(p);
  if (seen.has(input)) continue;
  seen.add(input);
  // Abbreviated last names ("Ana S.") cannot be recovered: the answer keeps what the note says.
  const abbreviated = new RegExp(`\\b${p.first} ${p.last[0]}\\.`).test(input);
  const out = abbreviated ? JSON.stringify({ ...JSON.parse(answer(p)), name: `${p.first} ${p.last[0]}.` }) : answer(p);
  sft.push({ instruction: INSTRUCTION, input, output: out });
}
writeFileSync(join(here, 'contacts-sft.jsonl'), sft.map((r) => JSON.stringify(r)).join('\n') + '\n');

// Preference pairs: the chosen answer is exact; the rejected one makes a typical mistake.
const MISTAKES = [
  (o) => ({ ...o, phone: o.phone ? o.phone.slice(2).replace(/(\d{3})(\d{3})(\d{4})/, '($1) $2-$3') : '555-0100' }), // not E.164 / invented
  (o) => { const { company: _c, ...rest } = o; return rest; }, // drops a key
  (o) => ({ ...o, email: o.email ?? `${o.name.split(' ')[0].toLowerCase()}@example.com` }), // invents an email
  (o) => `Sure! Here is the contact: ${JSON.stringify(o)}`, // prose around the JSON
  (o) => ({ ...o, follow_up: o.follow_up ? null : 'tomorrow' }), // wrong follow-up
];
const pref = sft.slice(0, 200).map((r, i) => {
  const o = JSON.parse(r.output);
  // The first mistake (in rotation) that actually changes this answer.
  for (let k = 0; k < MISTAKES.length; k++) {
    const bad = MISTAKES[(i + k) % MISTAKES.length](o);
    const rejected = typeof bad === 'string' ? bad : JSON.stringify(bad);
    if (rejected !== r.output) return { prompt: `${INSTRUCTION}\n\n${r.input}`, chosen: r.output, rejected };
  }
  throw new Error('no mistake changes row ' + i);
});
writeFileSync(join(here, 'contacts-preference.jsonl'), pref.map((r) => JSON.stringify(r)).join('\n') + '\n');
console.log(`wrote ${sft.length} SFT rows and ${pref.length} preference rows`);
