// @huggingface/jinja with Python jinja2 semantics where chat templates hit the difference (docs/data-templates.md).
//
// @huggingface/jinja (0.5.11, and still 0.5.13) differs from jinja2 in ways real chat templates reach: `s.strip(chars)`
// ignores `chars` (Qwen3's `content.lstrip('\n')` eats leading spaces), `{{ true }}`/`{{ none }}`/`{{ [..] }}` print
// JavaScript/JSON instead of Python's `True`/`None`/repr, `'%s' % x` and `'x' * 3` throw, `length` counts UTF-16 units.
// This subclass of its exported Interpreter fixes exactly those, and nothing else; everything else is the library's.
import { Environment, Interpreter, Template } from '@huggingface/jinja';

/** The runtime values, by their `type` tag (the classes themselves are not exported by the library). */
interface Value {
  type: string;
  value: unknown;
  toString(): string;
}
interface Node {
  type: string;
  [k: string]: unknown;
}
type ValueCtor = new (v: unknown) => Value;

/** The Interpreter's internals this file overrides; they are TypeScript-private in the library's typings. */
interface InterpreterInternals {
  global: Environment;
  run(program: unknown): Value;
  evaluate(node: Node | undefined, env: Environment): Value;
  evaluateBlock(statements: Node[], env: Environment): Value;
  evaluateBinaryExpression(node: Node, env: Environment): Value;
  evaluateMemberExpression(node: Node, env: Environment): Value;
  applyFilter(operand: Value, filter: Node, env: Environment): Value;
  evaluateArguments(args: Node[], env: Environment): [Value[], Map<string, Value>];
}
const Base = Interpreter as unknown as new (env: Environment) => InterpreterInternals;

/** A node that evaluates to a value already computed, so a fallback to the library never evaluates an operand twice. */
const DONE = '__LatheEvaluated';
const done = (value: Value): Node => ({ type: DONE, value });

/** Statement kinds whose result is not printed output (everything else in a block is a `{{ expression }}`). */
const NOT_OUTPUT = new Set(['Set', 'If', 'For', 'Macro', 'CallStatement', 'FilterStatement', 'Comment', 'Break', 'Continue']);

let ctors: Record<'StringValue' | 'IntegerValue' | 'FunctionValue' | 'ArrayValue', ValueCtor> | null = null;
/** The library's value classes, taken from values it makes itself. */
function valueClasses(it: InterpreterInternals, env: Environment): NonNullable<typeof ctors> {
  if (ctors) return ctors;
  const str = it.evaluate({ type: 'StringLiteral', value: '' }, env);
  const int = it.evaluate({ type: 'IntegerLiteral', value: 0 }, env);
  const arr = it.evaluate({ type: 'ArrayLiteral', value: [] }, env);
  const fn = (str as unknown as { builtins: Map<string, Value> }).builtins.get('strip')!;
  ctors = {
    StringValue: str.constructor as ValueCtor,
    IntegerValue: int.constructor as ValueCtor,
    ArrayValue: arr.constructor as ValueCtor,
    FunctionValue: fn.constructor as ValueCtor,
  };
  return ctors;
}

/** Python's repr() of a string: single quotes unless the text has ' and no ". */
export function pyReprString(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = q;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === q) out += '\\' + q;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + q;
}

function pyFloat(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  if (Number.isInteger(n) && Math.abs(n) < 1e16) return n.toFixed(1);
  return String(n).replace(/e\+?(-?)(\d)$/, 'e+$10$2').replace('e+-', 'e-');
}

/** Python's repr() of a template value (what jinja2 prints for a list or dict element). */
export function pyRepr(v: Value): string {
  switch (v.type) {
    case 'StringValue':
      return pyReprString(v.value as string);
    case 'BooleanValue':
      return v.value ? 'True' : 'False';
    case 'NullValue':
      return 'None';
    case 'UndefinedValue':
      return '';
    case 'IntegerValue':
      return String(v.value);
    case 'FloatValue':
      return pyFloat(v.value as number);
    case 'ArrayValue':
      return '[' + (v.value as Value[]).map(pyRepr).join(', ') + ']';
    case 'TupleValue': {
      const items = (v.value as Value[]).map(pyRepr);
      return '(' + items.join(', ') + (items.length === 1 ? ',)' : ')');
    }
    case 'ObjectValue':
    case 'KeywordArgumentsValue':
    case 'NamespaceValue':
      return '{' + [...(v.value as Map<string, Value>)].map(([k, x]) => `${pyReprString(k)}: ${pyRepr(x)}`).join(', ') + '}';
    default:
      return v.toString();
  }
}

/** Python's str() of a template value: strings as they are, everything else as repr. */
export function pyStr(v: Value): string {
  return v.type === 'StringValue' ? (v.value as string) : pyRepr(v);
}

/** Python's str.strip/lstrip/rstrip: `chars` None strips whitespace, otherwise any of those characters. */
export function pyStrip(s: string, chars: string | null, side: 'both' | 'left' | 'right'): string {
  if (chars === null) return side === 'both' ? s.trim() : side === 'left' ? s.trimStart() : s.trimEnd();
  const set = new Set(chars);
  const cps = [...s];
  let a = 0;
  let b = cps.length;
  if (side !== 'right') while (a < b && set.has(cps[a])) a++;
  if (side !== 'left') while (b > a && set.has(cps[b - 1])) b--;
  return cps.slice(a, b).join('');
}

/** Python's `fmt % args` for the conversions templates use (%s %r %d %i %f %%). */
export function pyPercent(fmt: string, args: Value[]): string {
  let i = 0;
  const out = fmt.replace(/%(\.\d+)?([srdif%])/g, (_m, prec: string | undefined, conv: string) => {
    if (conv === '%') return '%';
    if (i >= args.length) throw new Error('not enough arguments for format string');
    const a = args[i++];
    if (conv === 's') return pyStr(a);
    if (conv === 'r') return pyRepr(a);
    const n = Number(a.value);
    if (conv === 'f') return n.toFixed(prec ? Number(prec.slice(1)) : 6);
    return String(Math.trunc(n));
  });
  if (i < args.length) throw new Error('not all arguments converted during string formatting');
  return out;
}

const STRIP_SIDES: Record<string, 'both' | 'left' | 'right'> = { strip: 'both', lstrip: 'left', rstrip: 'right' };

class PythonInterpreter extends Base {
  override evaluate(node: Node | undefined, env: Environment): Value {
    if (node?.type === DONE) return node.value as Value;
    return super.evaluate(node, env);
  }

  /** Output of `{{ x }}` is Python's str(x): True, None, ['a'], {'k': 1}; an undefined variable prints nothing. */
  override evaluateBlock(statements: Node[], env: Environment): Value {
    const { StringValue } = valueClasses(this, env);
    let result = '';
    for (const st of statements) {
      const v = this.evaluate(st, env);
      if (NOT_OUTPUT.has(st.type)) {
        if (v.type !== 'NullValue' && v.type !== 'UndefinedValue') result += v.toString();
      } else if (v.type !== 'UndefinedValue') {
        result += pyStr(v);
      }
    }
    return new StringValue(result);
  }

  override evaluateBinaryExpression(node: Node, env: Environment): Value {
    const op = (node.operator as { value: string }).value;
    if (op !== '~' && op !== '%' && op !== '*') return super.evaluateBinaryExpression(node, env);
    const { StringValue, ArrayValue } = valueClasses(this, env);
    const left = this.evaluate(node.left as Node, env);
    const right = this.evaluate(node.right as Node, env);
    if (op === '~') return new StringValue(pyStr(left) + pyStr(right));
    if (op === '%' && left.type === 'StringValue') {
      const args = right.type === 'TupleValue' ? (right.value as Value[]) : [right];
      return new StringValue(pyPercent(left.value as string, args));
    }
    if (op === '*') {
      const [seq, n] = right.type === 'IntegerValue' ? [left, right] : [right, left];
      if (n.type === 'IntegerValue' && (seq.type === 'StringValue' || seq.type === 'ArrayValue')) {
        const times = Math.max(0, n.value as number);
        if (seq.type === 'StringValue') return new StringValue((seq.value as string).repeat(times));
        return new ArrayValue(Array.from({ length: times }, () => seq.value as Value[]).flat());
      }
    }
    return super.evaluateBinaryExpression({ ...node, left: done(left), right: done(right) }, env);
  }

  /** `s.strip(chars)`, `s.lstrip(chars)`, `s.rstrip(chars)` honour `chars` as Python does. */
  override evaluateMemberExpression(node: Node, env: Environment): Value {
    const prop = node.property as Node;
    const name = !node.computed && prop.type === 'Identifier' ? (prop.value as string) : '';
    const object = this.evaluate(node.object as Node, env);
    if (object.type === 'StringValue' && name in STRIP_SIDES) {
      const { StringValue, FunctionValue } = valueClasses(this, env);
      const s = object.value as string;
      return new FunctionValue((args: Value[]) => {
        const chars = args[0] && args[0].type !== 'NullValue' && args[0].type !== 'UndefinedValue' ? String(args[0].value) : null;
        return new StringValue(pyStrip(s, chars, STRIP_SIDES[name]));
      });
    }
    return super.evaluateMemberExpression({ ...node, object: done(object) }, env);
  }

  /** `|length`/`|count` in code points, `|string` as Python str(), `|trim(chars)`. */
  override applyFilter(operand: Value, filter: Node, env: Environment): Value {
    const { StringValue, IntegerValue } = valueClasses(this, env);
    const name = filter.type === 'Identifier' ? (filter.value as string) : filter.type === 'CallExpression' ? ((filter.callee as Node).value as string) : '';
    if (operand.type === 'StringValue' && (name === 'length' || name === 'count')) {
      return new IntegerValue([...(operand.value as string)].length);
    }
    if (name === 'string' && filter.type === 'Identifier') return new StringValue(pyStr(operand));
    if (name === 'trim' && operand.type === 'StringValue' && filter.type === 'CallExpression') {
      const [args] = this.evaluateArguments(filter.args as Node[], env);
      const chars = args[0] && args[0].type === 'StringValue' ? (args[0].value as string) : null;
      return new StringValue(pyStrip(operand.value as string, chars, 'both'));
    }
    return super.applyFilter(operand, filter, env);
  }
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** Python's datetime.now().strftime in the C locale, for the codes chat templates use. */
export function strftime(date: Date, fmt: string): string {
  const p2 = (n: number): string => String(n).padStart(2, '0');
  return fmt.replace(/%[YymdbBaAHIMSpj%]/g, (t) => {
    switch (t) {
      case '%Y': return String(date.getFullYear());
      case '%y': return p2(date.getFullYear() % 100);
      case '%m': return p2(date.getMonth() + 1);
      case '%d': return p2(date.getDate());
      case '%b': return MONTHS[date.getMonth()].slice(0, 3);
      case '%B': return MONTHS[date.getMonth()];
      case '%a': return DAYS[date.getDay()].slice(0, 3);
      case '%A': return DAYS[date.getDay()];
      case '%H': return p2(date.getHours());
      case '%I': return p2(date.getHours() % 12 || 12);
      case '%M': return p2(date.getMinutes());
      case '%S': return p2(date.getSeconds());
      case '%p': return date.getHours() < 12 ? 'AM' : 'PM';
      case '%j': return String(Math.floor((date.getTime() - new Date(date.getFullYear(), 0, 1).getTime()) / 864e5) + 1).padStart(3, '0');
      default: return '%';
    }
  });
}

function range(start: number, stop?: number, step = 1): number[] {
  if (stop === undefined) [start, stop] = [0, start];
  if (step === 0) throw new Error('range() arg 3 must not be zero');
  const out: number[] = [];
  for (let i = start; step > 0 ? i < stop : i > stop; i += step) out.push(i);
  return out;
}

/** A parsed template rendered with the Python-faithful interpreter (the same globals the library's Template sets). */
export class PythonTemplate {
  private readonly template: Template;

  constructor(source: string) {
    this.template = new Template(source);
  }

  render(vars: Record<string, unknown>): string {
    const env = new Environment();
    const globals: Record<string, unknown> = {
      false: false, true: true, none: null, False: false, True: true, None: null,
      raise_exception: (...args: unknown[]) => {
        throw new Error(args.map(String).join(' '));
      },
      range,
      strftime_now: (fmt: string) => strftime(new Date(), fmt),
    };
    for (const [k, v] of Object.entries({ ...globals, ...vars })) env.set(k, v);
    return new PythonInterpreter(env).run(this.template.parsed).value as string;
  }
}
