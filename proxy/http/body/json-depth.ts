/**
 * Nesting depth of parsed JSON. Codex and SDK requests nest a handful of levels (input item →
 * content part → annotation; tool schemas a few dozen at most); thousands of levels are an attack
 * or a bug, and such a body must be refused as the client's error before any account sees it —
 * re-serializing it for the upstream overflows the stack, which used to count as an upstream
 * failure and was retried on other accounts.
 */

/** Deeper bodies are refused with 400. */
export const MAX_JSON_DEPTH = 128;

/** Whether `value` nests arrays/objects deeper than `max` levels. Iterative: safe on any input. */
export function exceedsDepth(value: unknown, max: number = MAX_JSON_DEPTH): boolean {
  const stack: Array<{ node: unknown; depth: number }> = [{ node: value, depth: 0 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop() as { node: unknown; depth: number };
    if (typeof node !== 'object' || node === null) continue;
    if (depth + 1 > max) return true;
    const children = Array.isArray(node) ? node : Object.values(node);
    for (const child of children) if (typeof child === 'object' && child !== null) stack.push({ node: child, depth: depth + 1 });
  }
  return false;
}
