// Validates one row against its format and converts it to the internal Example schema; every rejection names the field and the reason.
import type { ChatMessage, DataFormat, Example, IssueCode, RowIssue } from './types';
import { describeType } from './readers/jsonl';

export type RowResult = { example: Example } | { issue: Omit<RowIssue, 'line' | 'file'> };

const SHAREGPT_ROLES: Record<string, string> = {
  human: 'user',
  user: 'user',
  gpt: 'assistant',
  assistant: 'assistant',
  chatgpt: 'assistant',
  model: 'assistant',
  bard: 'assistant',
  system: 'system',
  tool: 'tool',
  // LLaMA-Factory's ShareGPT: tool results, and assistant tool calls written as a JSON {name, arguments} value.
  observation: 'tool',
  function_call: 'function_call',
  developer: 'developer',
};
/** Role values of {role, content} messages, and what they become ('function_call' becomes an assistant tool call). */
const MESSAGE_ROLES: Record<string, string> = {
  system: 'system', developer: 'developer', user: 'user', assistant: 'assistant', tool: 'tool', observation: 'tool', function_call: 'function_call',
};
// Which role may follow which: a system prompt only first, then user/assistant turns alternating; tool results answer an assistant turn.
const NEXT: Record<string, string[]> = {
  start: ['system', 'developer', 'user'],
  system: ['user'],
  developer: ['user'],
  user: ['assistant'],
  assistant: ['user', 'tool'],
  tool: ['tool', 'assistant'],
};

class RowError extends Error {
  constructor(readonly field: string, readonly code: IssueCode, reason: string) {
    super(reason);
  }
}

function fail(field: string, code: IssueCode, reason: string): never {
  throw new RowError(field, code, reason);
}

function str(row: Record<string, unknown>, field: string, opts: { optional?: boolean; allowEmpty?: boolean; answer?: boolean } = {}): string {
  const v = row[field];
  if (v === undefined || (v === null && opts.optional)) {
    if (opts.optional) return '';
    fail(field, 'missing_field', `field "${field}" is missing`);
  }
  if (typeof v !== 'string') fail(field, 'wrong_type', `field "${field}" is ${describeType(v)}, expected a string`);
  if (!opts.allowEmpty && v.trim() === '') fail(field, opts.answer ? 'empty_answer' : 'empty_field', opts.answer ? `the answer "${field}" is empty` : `field "${field}" is empty`);
  return v;
}

/** Message content: a string, or a list of {type: 'text', text} parts (OpenAI style) joined together. */
function content(v: unknown, field: string): string {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) {
    const parts: string[] = [];
    v.forEach((p, i) => {
      const o = p as Record<string, unknown> | null;
      if (!o || typeof o !== 'object' || o.type !== 'text' || typeof o.text !== 'string') fail(`${field}[${i}]`, 'wrong_type', `${field}[${i}] is not a text part ({"type": "text", "text": ...}); only text is supported`);
      parts.push(o.text as string);
    });
    return parts.join('');
  }
  if (v === undefined) fail(field, 'missing_field', `field "${field}" is missing`);
  return fail(field, 'wrong_type', `${field} is ${describeType(v)}, expected a string`);
}

/** Checks role order and non-empty turns; the conversation must end with an assistant turn (the answer to learn). */
export function checkConversation(msgs: ChatMessage[], field: string, mustEndWithAssistant = true): void {
  let prev = 'start';
  msgs.forEach((m, i) => {
    if (!NEXT[prev].includes(m.role)) {
      fail(`${field}[${i}].role`, 'not_alternating', `${field}[${i}] is a "${m.role}" turn after ${prev === 'start' ? 'the start' : `a "${prev}" turn`} (expected ${NEXT[prev].map((r) => `"${r}"`).join(' or ')})`);
    }
    if (m.content.trim() === '' && !(m.role === 'assistant' && m.tool_calls?.length)) {
      fail(`${field}[${i}].content`, m.role === 'assistant' ? 'empty_answer' : 'empty_field', `${field}[${i}] (${m.role}) is empty`);
    }
    prev = m.role;
  });
  if (mustEndWithAssistant && prev !== 'assistant') fail(field, 'no_answer', `${field} does not end with an assistant turn, so there is nothing to learn`);
}

function messageList(v: unknown, field: string, shape: 'messages' | 'sharegpt'): ChatMessage[] {
  if (v === undefined || v === null) fail(field, 'missing_field', `field "${field}" is missing`);
  if (!Array.isArray(v)) fail(field, 'wrong_type', `field "${field}" is ${describeType(v)}, expected a list of messages`);
  if (v.length === 0) fail(field, 'empty_field', `field "${field}" is an empty list`);
  return v.map((m, i) => {
    const f = `${field}[${i}]`;
    if (!m || typeof m !== 'object' || Array.isArray(m)) fail(f, 'wrong_type', `${f} is ${describeType(m)}, expected a message object`);
    const o = m as Record<string, unknown>;
    if (shape === 'sharegpt') {
      if (o.from === undefined) fail(`${f}.from`, 'missing_field', `${f} has no "from"`);
      if (typeof o.from !== 'string') fail(`${f}.from`, 'wrong_type', `${f}.from is ${describeType(o.from)}, expected a string`);
      const role = SHAREGPT_ROLES[o.from.toLowerCase()];
      if (!role) fail(`${f}.from`, 'unknown_role', `${f}.from is "${o.from}" (expected human, gpt, system, tool, observation or function_call; to use it: --map role.assistant=${o.from} or --map role.user=${o.from})`);
      if (role === 'function_call') return withTurnControl(functionCall(o.value, `${f}.value`), o, f);
      return withTurnControl({ role, content: content(o.value, `${f}.value`) }, o, f);
    }
    if (o.role === undefined) fail(`${f}.role`, 'missing_field', `${f} has no "role"`);
    if (typeof o.role !== 'string') fail(`${f}.role`, 'wrong_type', `${f}.role is ${describeType(o.role)}, expected a string`);
    const role = MESSAGE_ROLES[o.role];
    if (!role) fail(`${f}.role`, 'unknown_role', `${f}.role is "${o.role}" (expected system, developer, user, assistant, tool, observation or function_call; to use it: --map role.assistant=${o.role} or --map role.user=${o.role})`);
    if (role === 'function_call') return withTurnControl(functionCall(o.content, `${f}.content`), o, f);
    const msg: ChatMessage = { role, content: '' };
    if (role === 'assistant') Object.assign(msg, assistantExtras(o, f));
    if (role === 'tool') {
      for (const k of ['name', 'tool_call_id'] as const) {
        if (o[k] === undefined || o[k] === null) continue;
        if (typeof o[k] !== 'string') fail(`${f}.${k}`, 'wrong_type', `${f}.${k} is ${describeType(o[k])}, expected a string`);
        msg[k] = o[k];
      }
    }
    // A turn that only calls tools may have no text (null or missing content), as OpenAI exports write it.
    msg.content = msg.tool_calls && (o.content === null || o.content === undefined) ? '' : content(o.content, `${f}.content`);
    return withTurnControl(msg, o, f);
  });
}

/** A function_call turn (LLaMA-Factory): a JSON {name, arguments} (or a list of them) becomes an assistant tool call. */
function functionCall(v: unknown, field: string): ChatMessage {
  let parsed: unknown = v;
  if (typeof v === 'string') {
    try {
      parsed = JSON.parse(v);
    } catch {
      fail(field, 'wrong_type', `${field} is not JSON; a function_call turn holds {"name": "...", "arguments": {...}}`);
    }
  }
  const calls = Array.isArray(parsed) ? parsed : [parsed];
  calls.forEach((c, j) => {
    const name = c && typeof c === 'object' ? (c as Record<string, unknown>).name : undefined;
    if (typeof name !== 'string' || !name) fail(field, 'wrong_type', `${field}${calls.length > 1 ? `[${j}]` : ''} names no function; a function_call turn holds {"name": "...", "arguments": {...}}`);
  });
  return { role: 'assistant', content: '', tool_calls: calls.map((c) => ({ type: 'function', function: c })) };
}

/** A message's own `train: true|false`, or `weight: 0|1` (Axolotl, LLaMA-Factory), kept as `train`. */
function withTurnControl(msg: ChatMessage, o: Record<string, unknown>, f: string): ChatMessage {
  if (o.train !== undefined && o.train !== null) {
    if (typeof o.train !== 'boolean') fail(`${f}.train`, 'wrong_type', `${f}.train is ${describeType(o.train)}, expected true or false`);
    msg.train = o.train;
  } else if (o.weight !== undefined && o.weight !== null) {
    if (o.weight !== 0 && o.weight !== 1) fail(`${f}.weight`, 'wrong_type', `${f}.weight is ${JSON.stringify(o.weight)}; only 0 (not trained) and 1 (trained) are supported`);
    msg.train = o.weight === 1;
  }
  return msg;
}

/** An assistant message's tool_calls (each naming a function) and its reasoning (`reasoning_content` or `thinking`). */
function assistantExtras(o: Record<string, unknown>, f: string): Partial<ChatMessage> {
  const out: Partial<ChatMessage> = {};
  if (o.tool_calls !== undefined && o.tool_calls !== null) {
    if (!Array.isArray(o.tool_calls)) fail(`${f}.tool_calls`, 'wrong_type', `${f}.tool_calls is ${describeType(o.tool_calls)}, expected a list of {"type": "function", "function": {"name", "arguments"}}`);
    o.tool_calls.forEach((c, j) => {
      const fn = c && typeof c === 'object' ? ((c as Record<string, unknown>).function ?? c) : null;
      const name = fn && typeof fn === 'object' ? (fn as Record<string, unknown>).name : undefined;
      if (typeof name !== 'string' || !name) fail(`${f}.tool_calls[${j}]`, 'wrong_type', `${f}.tool_calls[${j}] names no function (expected {"type": "function", "function": {"name": "...", "arguments": {...}}})`);
    });
    if (o.tool_calls.length) out.tool_calls = o.tool_calls;
  }
  const key = o.reasoning_content !== undefined ? 'reasoning_content' : o.thinking !== undefined ? 'thinking' : null;
  if (key && o[key] !== null) {
    if (typeof o[key] !== 'string') fail(`${f}.${key}`, 'wrong_type', `${f}.${key} is ${describeType(o[key])}, expected a string (the reasoning before the answer)`);
    if ((o[key] as string).trim()) out.reasoning_content = o[key] as string;
  }
  return out;
}

/** The row's `tools` column: a list of tool definitions, or that list as a JSON string (CSV, Parquet string columns). */
function toolsColumn(v: unknown): unknown[] | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  let list = v;
  if (typeof v === 'string') {
    try {
      list = JSON.parse(v);
    } catch {
      fail('tools', 'wrong_type', 'field "tools" is a string that is not JSON; expected a list of tool definitions (JSON schema)');
    }
  }
  if (!Array.isArray(list)) fail('tools', 'wrong_type', `field "tools" is ${describeType(list)}, expected a list of tool definitions (JSON schema)`);
  list.forEach((t, i) => {
    if (!t || typeof t !== 'object' || Array.isArray(t)) fail(`tools[${i}]`, 'wrong_type', `tools[${i}] is ${describeType(t)}, expected a tool definition object`);
  });
  return list.length ? list : undefined;
}

/** Preference sides: a string (one assistant turn) or a message list; a list that repeats the prompt has it removed. */
function side(v: unknown, field: string, prompt: ChatMessage[]): ChatMessage[] {
  if (typeof v === 'string') {
    if (v.trim() === '') fail(field, 'empty_answer', `the answer "${field}" is empty`);
    return [{ role: 'assistant', content: v }];
  }
  if (v === undefined || v === null) fail(field, 'missing_field', `field "${field}" is missing`);
  if (!Array.isArray(v)) fail(field, 'wrong_type', `field "${field}" is ${describeType(v)}, expected a string or a list of messages`);
  let msgs = messageList(v, field, 'messages');
  // A side that repeats the prompt turns (TRL's implicit-prompt format): the answer starts after them. Errors name the
  // message by its index in the row as written, so `at` counts the prompt turns cut off.
  let at = 0;
  if (msgs.length > prompt.length && prompt.every((p, i) => msgs[i].role === p.role && msgs[i].content === p.content)) {
    msgs = msgs.slice(prompt.length);
    at = prompt.length;
  }
  const bad = msgs.findIndex((m) => m.role !== 'assistant');
  if (bad >= 0) fail(`${field}[${bad + at}].role`, 'not_alternating', `${field}[${bad + at}] is a "${msgs[bad].role}" turn; ${field} must hold only the assistant answer`);
  for (let i = 0; i < msgs.length; i++) if (msgs[i].content.trim() === '') fail(`${field}[${i + at}].content`, 'empty_answer', `${field}[${i + at}] is empty`);
  return msgs;
}

/**
 * The implicit prompt of a pair given as two whole conversations: their longest common run of leading messages.
 * What follows it on each side is that side's answer (checked by side()).
 */
function implicitPrompt(chosenRaw: unknown[], rejectedRaw: unknown[]): ChatMessage[] {
  const chosen = messageList(chosenRaw, 'chosen', 'messages');
  const rejected = messageList(rejectedRaw, 'rejected', 'messages');
  let n = 0;
  while (n < chosen.length && n < rejected.length && chosen[n].role === rejected[n].role && chosen[n].content === rejected[n].content) n++;
  if (n === 0) fail('chosen[0]', 'missing_field', 'there is no "prompt" field and chosen and rejected do not start with the same messages, so the prompt is unknown; add a "prompt" field or repeat the prompt turns at the start of both lists');
  if (n === chosen.length || n === rejected.length) fail('rejected', 'identical_pair', 'one side holds nothing after the shared prompt, so there is no answer to compare');
  return chosen.slice(0, n);
}

/** The prompt of a preference or KTO row: a string (one user turn) or a message list, plus an optional system field. */
function promptMessages(row: Record<string, unknown>): ChatMessage[] {
  const p = row.prompt;
  if (typeof p === 'string') {
    if (p.trim() === '') fail('prompt', 'empty_field', 'field "prompt" is empty');
    return withPromptChecks([{ role: 'user', content: p }], row);
  }
  if (Array.isArray(p)) return withPromptChecks(messageList(p, 'prompt', 'messages'), row);
  if (p === undefined || p === null) return fail('prompt', 'missing_field', 'field "prompt" is missing');
  return fail('prompt', 'wrong_type', `field "prompt" is ${describeType(p)}, expected a string or a list of messages`);
}

/** Adds the row's system field when the prompt has none, and checks the turns lead up to an answer. */
function withPromptChecks(messages: ChatMessage[], row: Record<string, unknown>): ChatMessage[] {
  const system = row.system;
  if (typeof system === 'string' && system.trim() && messages[0]?.role !== 'system') messages.unshift({ role: 'system', content: system });
  checkConversation(messages, 'prompt', false);
  if (messages[messages.length - 1].role === 'assistant') fail('prompt', 'not_alternating', 'the prompt ends with an assistant turn; it must end with the user turn being answered');
  return messages;
}

function convert(row: Record<string, unknown>, format: DataFormat, line: number): Example {
  switch (format) {
    case 'alpaca': {
      const instruction = str(row, 'instruction');
      const input = str(row, 'input', { optional: true, allowEmpty: true });
      const output = str(row, 'output', { answer: true });
      const system = str(row, 'system', { optional: true, allowEmpty: true });
      const messages: ChatMessage[] = [];
      if (system.trim()) messages.push({ role: 'system', content: system });
      messages.push({ role: 'user', content: input.trim() ? `${instruction}\n\n${input}` : instruction });
      messages.push({ role: 'assistant', content: output });
      return { line, kind: 'chat', messages };
    }
    case 'sharegpt':
    case 'messages': {
      const field = row.conversations !== undefined ? 'conversations' : 'messages';
      const messages = messageList(row[field], field, format);
      const system = row.system;
      if (typeof system === 'string' && system.trim() && messages[0]?.role !== 'system') messages.unshift({ role: 'system', content: system });
      checkConversation(messages, field);
      const tools = toolsColumn(row.tools);
      return tools ? { line, kind: 'chat', messages, tools } : { line, kind: 'chat', messages };
    }
    case 'preference': {
      const messages = Array.isArray(row.chosen) && Array.isArray(row.rejected) && row.prompt === undefined ? withPromptChecks(implicitPrompt(row.chosen, row.rejected), row) : promptMessages(row);
      const chosen = side(row.chosen, 'chosen', messages);
      const rejected = side(row.rejected, 'rejected', messages);
      if (JSON.stringify(chosen) === JSON.stringify(rejected)) fail('rejected', 'identical_pair', 'chosen and rejected are the same answer, so there is no preference to learn');
      return { line, kind: 'preference', messages, chosen, rejected };
    }
    case 'kto': {
      const messages = promptMessages(row);
      const completion = side(row.completion, 'completion', messages);
      const l = row.label;
      // Booleans, and the 0/1 and "true"/"false" spellings CSV and some exports use.
      const label = l === true || l === 1 || l === 'true' ? true : l === false || l === 0 || l === 'false' ? false : null;
      if (label === null) fail('label', 'bad_label', `field "label" is ${l === undefined ? 'missing' : JSON.stringify(l)}; expected true (desirable) or false (undesirable)`);
      return { line, kind: 'chat', messages: [...messages, ...completion], label };
    }
    case 'prompts': {
      // A GRPO prompt: the turns to answer (ending with the user's) and the answer the rewards check against.
      const messages = row.prompt === undefined && row.messages !== undefined ? withPromptChecks(messageList(row.messages, 'messages', 'messages'), row) : promptMessages(row);
      const a = row.answer;
      if (a === undefined || a === null) fail('answer', 'missing_field', 'field "answer" is missing');
      if (typeof a !== 'string' && typeof a !== 'number') fail('answer', 'wrong_type', `field "answer" is ${describeType(a)}, expected a string or a number`);
      return { line, kind: 'chat', messages, answer: String(a) };
    }
    case 'completion': {
      const prompt = str(row, 'prompt', { allowEmpty: true });
      const completion = str(row, 'completion', { answer: true });
      return { line, kind: 'completion', messages: [{ role: 'user', content: prompt }, { role: 'assistant', content: completion }] };
    }
    case 'text':
      return { line, kind: 'text', messages: [], text: str(row, 'text') };
  }
}

export function normalizeRow(row: Record<string, unknown>, format: DataFormat, line: number): RowResult {
  try {
    return { example: convert(row, format, line) };
  } catch (err) {
    if (err instanceof RowError) return { issue: { field: err.field, code: err.code, reason: err.message } };
    throw err;
  }
}

/** The text that decides whether two examples are exact duplicates (source line and file excluded). */
export function contentKey(ex: Example): string {
  return JSON.stringify([ex.kind, ex.messages, ex.chosen ?? null, ex.rejected ?? null, ex.text ?? null, ex.label ?? null, ex.answer ?? null, ex.tools ?? null]);
}
