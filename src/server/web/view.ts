// What a page of the web view produces: its HTML body and the data of its `.json` twin, from the same read.
import type { RunPageMemo } from '../../query/index.js';
import type { Store } from '../../store/index.js';
import type { Layout, SafeHtml } from './html.js';

export interface View {
  /** 200 unless said (400: the request was wrong; the page still renders, with the error) */
  status?: number;
  title: string;
  section: Layout['section'];
  charts?: boolean;
  body: SafeHtml;
  /** the `.json` twin */
  data: unknown;
}

export interface ViewContext {
  store: Store;
  query: URLSearchParams;
  now: Date;
  /** counts and column choices per runs filter, until the mirror changes */
  runsMemo: RunPageMemo;
  /** computes once per key until the mirror changes (for what depends on the mirror alone, never on the clock) */
  remember<T>(key: string, compute: () => T): T;
}

/** A request the page cannot answer (unknown run, bad argument): shown as a page with the message, or as JSON. */
export class ViewError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** A query parameter given once or repeated (`col=a&col=b`, or `cols=a,b`), as a list. */
export function listParam(query: URLSearchParams, ...names: string[]): string[] {
  return names.flatMap((n) => query.getAll(n)).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}
