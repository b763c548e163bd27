import { QueryError } from './errors.js';

// Keys where a lower value is usually better. Only used to refuse a silent guess (top, tree) or to say
// which way "best" was read (compare); never to reorder silently.
const LOWER_IS_BETTER = /(loss|err|error|mse|mae|rmse|perplexity|ppl|wer|cer|latency|ttft|cost|time|duration|memory|_ms$)/i;

/** True when a metric key looks like lower-is-better (loss, error, latency, cost, …). */
export function looksLowerIsBetter(key: string): boolean {
  return LOWER_IS_BETTER.test(key);
}

/**
 * The ranking direction from --asc/--desc. Neither given: higher first, except for keys that look
 * lower-is-better, which must be told (a guess would silently rank the worst runs first).
 */
export function chooseDirection(key: string, flags: { asc?: boolean; desc?: boolean }): 'asc' | 'desc' {
  if (flags.asc && flags.desc) throw new QueryError('bad_argument', '--asc and --desc: choose one');
  if (flags.asc) return 'asc';
  if (flags.desc) return 'desc';
  if (looksLowerIsBetter(key)) {
    throw new QueryError(
      'bad_argument',
      `metric "${key}" looks lower-is-better; say which way ranks first: --asc (lower is better) or --desc (higher is better)`,
    );
  }
  return 'desc';
}
