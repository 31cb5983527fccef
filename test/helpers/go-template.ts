// Test helper: a small, independent evaluator for the subset of Go's text/template that Ollama TEMPLATEs use:
// {{- -}} trimming, range, if / else if / else, eq / not / and, $variables (:= and =), .Field, $.Field, string literals.

type Node =
  | { t: 'text'; v: string }
  | { t: 'out'; expr: string }
  | { t: 'set'; name: string; expr: string; declare: boolean }
  | { t: 'if'; branches: { cond: string | null; body: Node[] }[] }
  | { t: 'range'; expr: string; body: Node[] };

function lex(src: string): ({ text: string } | { action: string })[] {
  const out: ({ text: string } | { action: string })[] = [];
  let i = 0;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    if (open < 0) {
      out.push({ text: src.slice(i) });
      break;
    }
    let text = src.slice(i, open);
    const close = src.indexOf('}}', open);
    if (close < 0) throw new Error(`unclosed action at ${open}`);
    let action = src.slice(open + 2, close);
    // Go: "{{- " trims preceding whitespace, " -}}" trims following whitespace.
    if (action.startsWith('- ')) {
      text = text.replace(/[ \t\r\n]+$/, '');
      action = action.slice(2);
    }
    let trimAfter = false;
    if (action.endsWith(' -')) {
      trimAfter = true;
      action = action.slice(0, -2);
    }
    out.push({ text }, { action: action.trim() });
    i = close + 2;
    if (trimAfter) while (i < src.length && /[ \t\r\n]/.test(src[i])) i++;
  }
  return out;
}

function parse(src: string): Node[] {
  const toks = lex(src);
  let p = 0;
  const block = (stops: RegExp): { nodes: Node[]; stop: string | null } => {
    const nodes: Node[] = [];
    while (p < toks.length) {
      const tk = toks[p++];
      if ('text' in tk) {
        if (tk.text) nodes.push({ t: 'text', v: tk.text });
        continue;
      }
      const a = tk.action;
      if (stops.test(a)) return { nodes, stop: a };
      let m: RegExpExecArray | null;
      if ((m = /^if (.+)$/.exec(a))) {
        const branches: { cond: string | null; body: Node[] }[] = [];
        let cond: string | null = m[1];
        for (;;) {
          const b = block(/^(else( if .+)?|end)$/);
          branches.push({ cond, body: b.nodes });
          if (b.stop === 'end') break;
          cond = b.stop!.startsWith('else if ') ? b.stop!.slice(8) : null;
        }
        nodes.push({ t: 'if', branches });
      } else if ((m = /^range (.+)$/.exec(a))) {
        const b = block(/^end$/);
        nodes.push({ t: 'range', expr: m[1], body: b.nodes });
      } else if ((m = /^(\$\w+) (:?=) (.+)$/.exec(a))) {
        nodes.push({ t: 'set', name: m[1], expr: m[3], declare: m[2] === ':=' });
      } else nodes.push({ t: 'out', expr: a });
    }
    return { nodes, stop: null };
  };
  return block(/^\u0000$/).nodes;
}

type Scope = { vars: Map<string, unknown>[]; dot: unknown; root: unknown };

function splitArgs(expr: string): string[] {
  const out: string[] = [];
  const re = /"(?:[^"\\]|\\.)*"|\S+/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(expr))) out.push(m[0]);
  return out;
}

function value(tok: string, s: Scope): unknown {
  if (tok.startsWith('"')) return JSON.parse(tok);
  if (tok === 'true' || tok === 'false') return tok === 'true';
  if (tok === '.') return s.dot;
  const field = (obj: unknown, path: string) => path.split('.').filter(Boolean).reduce((o: any, k) => (o == null ? undefined : o[k]), obj);
  if (tok.startsWith('$.')) return field(s.root, tok.slice(2));
  if (tok.startsWith('.')) return field(s.dot, tok.slice(1));
  if (tok.startsWith('$')) {
    for (let i = s.vars.length - 1; i >= 0; i--) if (s.vars[i].has(tok)) return s.vars[i].get(tok);
    throw new Error(`undefined variable ${tok}`);
  }
  throw new Error(`unsupported operand ${tok}`);
}

const truthy = (v: unknown) => !(v === false || v === '' || v == null || v === 0 || (Array.isArray(v) && v.length === 0));

function evalExpr(expr: string, s: Scope): unknown {
  const args = splitArgs(expr);
  const fn = args[0];
  if (fn === 'eq') return value(args[1], s) === value(args[2], s);
  if (fn === 'not') return !truthy(value(args[1], s));
  if (fn === 'and') {
    let v: unknown = true;
    for (const a of args.slice(1)) if (!truthy((v = value(a, s)))) return v;
    return v;
  }
  if (args.length !== 1) throw new Error(`unsupported expression ${expr}`);
  return value(fn, s);
}

function run(nodes: Node[], s: Scope, out: string[]): void {
  for (const n of nodes) {
    if (n.t === 'text') out.push(n.v);
    else if (n.t === 'out') out.push(String(evalExpr(n.expr, s)));
    else if (n.t === 'set') {
      const v = evalExpr(n.expr, s);
      if (n.declare) s.vars[s.vars.length - 1].set(n.name, v);
      else {
        const frame = [...s.vars].reverse().find((f) => f.has(n.name));
        if (!frame) throw new Error(`assignment to undeclared ${n.name}`);
        frame.set(n.name, v);
      }
    } else if (n.t === 'if') {
      const b = n.branches.find((br) => br.cond === null || truthy(evalExpr(br.cond, s)));
      if (b) {
        s.vars.push(new Map());
        run(b.body, s, out);
        s.vars.pop();
      }
    } else {
      const m = /^(?:(\$\w+), (\$\w+) := )?(.+)$/.exec(n.expr)!;
      const list = evalExpr(m[3], s) as unknown[];
      list.forEach((item, i) => {
        const frame = new Map<string, unknown>();
        if (m[1]) {
          frame.set(m[1], i);
          frame.set(m[2], item);
        }
        s.vars.push(frame);
        run(n.body, { ...s, dot: item }, out);
        s.vars.pop();
      });
    }
  }
}

export function renderGoTemplate(src: string, data: Record<string, unknown>): string {
  const out: string[] = [];
  run(parse(src), { vars: [new Map([['$', data]])], dot: data, root: data }, out);
  return out.join('');
}
