// Column and message mappings read from other trainers' configs: an Axolotl `datasets:` entry, a LLaMA-Factory dataset_info.json entry.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { LatheError } from '../api/errors';
import { parseFieldMap, type FieldMap } from './detect';
import type { DataFormat } from './types';

export interface ImportedMapping {
  map: FieldMap;
  /** The format the entry declares (LLaMA-Factory's `formatting`), when it says. */
  format?: DataFormat;
  /** The data file the entry names (Axolotl `path`, LLaMA-Factory `file_name`), for reference. */
  file?: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);
const strOf = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v.trim() : undefined);

/** Builds `field=column` pairs, then checks them with the same rules as --map, so both paths accept the same things. */
function finish(pairs: [string, string | undefined][], where: string): FieldMap {
  const given = pairs.filter((p): p is [string, string] => !!p[1]).map(([k, v]) => `${k}=${v}`);
  try {
    return parseFieldMap(given);
  } catch (err) {
    throw new LatheError('data_bad_map', `${where}: ${(err as Error).message}`, 'Fix the mapping in that file, or pass --map pairs instead.');
  }
}

/**
 * An Axolotl chat_template dataset entry: field_messages, message_property_mappings {role, content} (or the older
 * message_field_role / message_field_content), and roles {user: [human], assistant: [gpt]}.
 */
export function fromAxolotl(entry: Obj, where: string): ImportedMapping {
  const props = isObj(entry.message_property_mappings) ? entry.message_property_mappings : {};
  const pairs: [string, string | undefined][] = [
    ['messages', strOf(entry.field_messages)],
    ['role', strOf(props.role) ?? strOf(entry.message_field_role)],
    ['content', strOf(props.content) ?? strOf(entry.message_field_content)],
    ['tools', strOf(entry.field_tools)],
  ];
  if (isObj(entry.roles)) {
    for (const [canon, values] of Object.entries(entry.roles)) {
      const list = Array.isArray(values) ? values.filter((v): v is string => typeof v === 'string') : typeof values === 'string' ? [values] : [];
      if (list.length) pairs.push([`role.${canon}`, list.join(',')]);
    }
  }
  return { map: finish(pairs, where), file: strOf(entry.path) };
}

/** A LLaMA-Factory dataset_info.json entry: formatting (alpaca | sharegpt), columns and tags. */
export function fromLlamaFactory(entry: Obj, where: string): ImportedMapping {
  const cols = isObj(entry.columns) ? entry.columns : {};
  const tags = isObj(entry.tags) ? entry.tags : {};
  const formatting = strOf(entry.formatting) ?? 'alpaca';
  if (formatting !== 'alpaca' && formatting !== 'sharegpt') {
    throw new LatheError('data_bad_map', `${where}: formatting "${formatting}" is not one Lathe reads.`, 'Use an alpaca or sharegpt entry (OpenAI-style files are sharegpt with role/content tags).');
  }
  if (formatting === 'alpaca') {
    const map = finish([
      ['instruction', strOf(cols.prompt) ?? 'instruction'],
      ['input', strOf(cols.query) ?? 'input'],
      ['output', strOf(cols.response) ?? 'output'],
      ['system', strOf(cols.system)],
    ], where);
    return { map, format: 'alpaca', file: strOf(entry.file_name) };
  }
  const map = finish([
    ['messages', strOf(cols.messages) ?? 'conversations'],
    ['system', strOf(cols.system)],
    ['tools', strOf(cols.tools)],
    ['role', strOf(tags.role_tag) ?? 'from'],
    ['content', strOf(tags.content_tag) ?? 'value'],
    ['role.user', strOf(tags.user_tag) ?? 'human'],
    ['role.assistant', strOf(tags.assistant_tag) ?? 'gpt'],
    ['role.tool', strOf(tags.observation_tag) ?? 'observation'],
    ['role.function_call', strOf(tags.function_tag) ?? 'function_call'],
    ['role.system', strOf(tags.system_tag) ?? 'system'],
  ], where);
  return { map, format: 'messages', file: strOf(entry.file_name) };
}

/**
 * `--map-from FILE[#NAME]`: a LLaMA-Factory dataset_info.json (NAME: the dataset key; optional when it has one entry)
 * or an Axolotl YAML config (NAME: the dataset's path, or its index in `datasets:`; optional when it has one).
 */
export async function loadMappingFile(spec: string): Promise<ImportedMapping> {
  const hash = spec.lastIndexOf('#');
  const file = hash > 0 ? spec.slice(0, hash) : spec;
  const name = hash > 0 ? spec.slice(hash + 1) : undefined;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new LatheError('data_map_file', `--map-from: cannot read ${file}: ${(err as Error).message}`, 'Give the path of a dataset_info.json or an Axolotl YAML config.');
  }
  const yaml = /\.ya?ml$/i.test(file);
  let doc: unknown;
  try {
    doc = yaml ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw new LatheError('data_map_file', `--map-from: ${file} does not parse as ${yaml ? 'YAML' : 'JSON'}: ${(err as Error).message}`, 'Fix the file syntax.');
  }
  if (!isObj(doc)) throw new LatheError('data_map_file', `--map-from: ${file} is not an object.`, 'Give a dataset_info.json or an Axolotl config.');
  if (yaml || Array.isArray(doc.datasets)) {
    const list = (Array.isArray(doc.datasets) ? doc.datasets : []).filter(isObj);
    const pick = name === undefined ? (list.length === 1 ? list[0] : undefined) : list.find((d, i) => d.path === name || String(i) === name);
    if (!pick) {
      throw new LatheError('data_map_file', `--map-from: ${file} has ${list.length} datasets and ${name === undefined ? 'no #name was given' : `none is "${name}"`}.`, `Name one: ${list.map((d, i) => `${basename(file)}#${strOf(d.path) ?? i}`).join(', ') || 'add a datasets: entry'}.`);
    }
    return fromAxolotl(pick, `${file}#${name ?? strOf(pick.path) ?? 0}`);
  }
  const keys = Object.keys(doc);
  const key = name ?? (keys.length === 1 ? keys[0] : undefined);
  if (key === undefined || !isObj(doc[key])) {
    throw new LatheError('data_map_file', `--map-from: ${file} ${key === undefined ? `has ${keys.length} datasets and no #name was given` : `has no dataset "${key}"`}.`, `Name one: ${keys.slice(0, 10).map((k) => `${basename(file)}#${k}`).join(', ')}.`);
  }
  return fromLlamaFactory(doc[key], `${file}#${key}`);
}
