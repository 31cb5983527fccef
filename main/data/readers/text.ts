// Plain text and Markdown reader: one file or a folder of .txt/.md files, one example per document or per paragraph.
import { readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { DEFAULT_MAX_RECORD_BYTES, type RawRecord, type ReaderOptions } from '../types';
import { readLines } from './lines';
import { cancelledError } from './lines';

export const TEXT_EXTENSIONS = ['.txt', '.md', '.markdown', '.text'];

/** Text files under a folder in a stable (sorted) order; hidden files and folders are skipped. */
export async function listTextFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    const entries = (await readdir(d, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile() && TEXT_EXTENSIONS.some((x) => e.name.toLowerCase().endsWith(x))) out.push(p);
    }
  };
  await walk(dir);
  return out;
}

async function* readTextFile(path: string, name: string | undefined, opts: ReaderOptions): AsyncGenerator<RawRecord> {
  const maxRecord = opts.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  const paragraph = opts.textUnit === 'paragraph';
  let parts: string[] = [];
  let size = 0;
  let start = 0;
  let issue: RawRecord['issue'] | undefined;
  const flush = (): RawRecord | null => {
    const text = parts.join('\n');
    const rec: RawRecord | null = issue ? { line: start || 1, issue } : text.trim() ? { line: start, value: { text } } : null;
    if (rec && name) rec.file = name;
    parts = [];
    size = 0;
    start = 0;
    issue = undefined;
    return rec;
  };
  for await (const batch of readLines(path, opts)) {
    for (const l of batch) {
      if (paragraph && !l.issue && l.text.trim() === '') {
        const r = flush();
        if (r) yield r;
        continue;
      }
      if (!start) start = l.line;
      if (l.issue) { issue ??= { field: 'text', ...l.issue }; continue; }
      size += l.text.length + 1;
      if (size > maxRecord) { issue ??= { field: 'text', code: 'line_too_long', reason: `${paragraph ? 'paragraph' : 'document'} is longer than the ${maxRecord}-byte limit` }; parts = []; continue; }
      if (!issue) parts.push(l.text);
    }
  }
  const r = flush();
  if (r) yield r;
}

export async function* readText(path: string, opts: ReaderOptions = {}): AsyncGenerator<RawRecord> {
  const info = await stat(path);
  if (!info.isDirectory()) {
    yield* readTextFile(path, undefined, opts);
    return;
  }
  for (const f of await listTextFiles(path)) {
    if (opts.signal?.aborted) throw cancelledError(path);
    yield* readTextFile(f, relative(path, f).split('\\').join('/'), opts);
  }
}
