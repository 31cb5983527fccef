// Finds a repeated key in any object of a JSON text. JSON.parse silently keeps the last one, so a file could show one
// tensor to us and another to a reader that keeps the first: a header with a duplicate key is refused instead.
/** The first duplicated key and its object's path, or null. `text` must already be valid JSON. */
export function findDuplicateKey(text: string): { key: string; path: string } | null {
  // One entry per open object or array: the keys seen (objects) and the path for the message.
  const stack: { keys: Set<string> | null; path: string; lastKey: string }[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const start = i;
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) i += 2;
        else if (d === 0x22) break;
        else i++;
      }
      const end = ++i;
      const top = stack[stack.length - 1];
      if (top?.keys) {
        let j = i;
        while (j < n && /\s/.test(text[j])) j++;
        if (text[j] === ':') {
          const key = JSON.parse(text.slice(start, end)) as string;
          if (top.keys.has(key)) return { key, path: top.path };
          top.keys.add(key);
          top.lastKey = key;
        }
      }
      continue;
    }
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      const parent = stack[stack.length - 1];
      const path = parent ? (parent.keys ? `${parent.path}${parent.path ? '.' : ''}${parent.lastKey}` : `${parent.path}[]`) : '';
      stack.push({ keys: c === 0x7b ? new Set() : null, path, lastKey: '' });
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
    }
    i++;
  }
  return null;
}
