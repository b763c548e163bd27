// The orders the live service lists things in (issue 13, items 2.1, 2.3, 2.4), as the recordings show them.

/**
 * Byte-wise (UTF-8) order: params and tags by key, project files by artifact_path. JavaScript compares UTF-16
 * code units, which agrees with UTF-8 bytes except for surrogates (code points above U+FFFF) against
 * U+E000–U+FFFF; those are shifted into byte order.
 */
export function compareBytewise(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return utf8Rank(x) - utf8Rank(y);
  }
  return a.length - b.length;
}

function utf8Rank(unit: number): number {
  if (unit < 0xd800) return unit;
  return unit < 0xe000 ? unit + 0x2000 : unit - 0x800;
}

/** Items sorted byte-wise by `key` (stable: values of one key keep their order). */
export function sortedByKey<T extends { key: string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => compareBytewise(a.key, b.key));
}

// Facet key lists ignore case and punctuation (`train_loss` after `training_runtime_seconds`, `_name_or_path`
// between `model_type` and `n_ctx`): a collation, not a byte order. Exact ties fall back to byte order.
const FACET_COLLATOR = new Intl.Collator('en', { sensitivity: 'base', ignorePunctuation: true });

/** Distinct facet keys in the recorded order. */
export function sortedFacetKeys(keys: Iterable<string>): string[] {
  return [...new Set(keys)].sort((a, b) => FACET_COLLATOR.compare(a, b) || compareBytewise(a, b));
}
