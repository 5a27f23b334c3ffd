// A key given twice in one JSON object: job files (loadJob.ts) and request bodies (readJsonBody.ts).

/**
 * The first key an object of valid JSON text names twice, with its field path and lines: JSON.parse keeps
 * the last silently, so a job file that sets "timezone" twice (an edit that added rather than replaced)
 * ran with whichever came last, and an API body `{"country": ["us"], "country": []}` was answered unfiltered.
 */
export function duplicateKey(text: string): { path: string; line: number; firstLine: number } | null {
  interface Level { path: string; keys: Map<string, number> | null; key: string; index: number }
  const stack: Level[] = [];
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    // Lines end with LF, CRLF or a CR alone, as a JSON syntax error's line is counted (loadJob.ts): counting
    // LF only put every key of a CR-only file on line 1. The LF of a CRLF ended no line of its own.
    if (c === '\r' || c === '\n') {
      if (c === '\r' || text[i - 1] !== '\r') line++;
    } else if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const top = stack[stack.length - 1];
      let k = j + 1;
      while (/\s/.test(text[k] ?? '')) k++;
      if (top?.keys && text[k] === ':') {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        const at = (p: string): string => (p ? `${p}.${key}` : key);
        const first = top.keys.get(key);
        if (first !== undefined) return { path: at(top.path), line, firstLine: first };
        top.keys.set(key, line);
        top.key = key;
      }
      i = j;
    } else if (c === '{' || c === '[') {
      const top = stack[stack.length - 1];
      const path = !top ? '' : top.keys ? (top.path ? `${top.path}.${top.key}` : top.key) : `${top.path}[${top.index}]`;
      stack.push({ path, keys: c === '{' ? new Map() : null, key: '', index: 0 });
    } else if (c === '}' || c === ']') stack.pop();
    else if (c === ',') {
      const top = stack[stack.length - 1];
      if (top && !top.keys) top.index++;
    }
  }
  return null;
}
