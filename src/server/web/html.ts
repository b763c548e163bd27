// HTML built by a tagged template that escapes every interpolated value: run names, params and tags are
// user data, so markup only ever comes from this folder's own literals (SafeHtml), never from a value.

/** Markup that is already safe (built by `html`); anything else interpolated is escaped. */
export class SafeHtml {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

type Piece = SafeHtml | string | number | boolean | null | undefined | Piece[];

/** Escapes text for HTML content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function render(p: Piece): string {
  if (p === null || p === undefined || p === false) return '';
  if (p instanceof SafeHtml) return p.text;
  if (Array.isArray(p)) return p.map(render).join('');
  return escapeHtml(String(p));
}

/** The template tag: literals are markup, values are escaped (arrays are joined, null/false render nothing). */
export function html(strings: TemplateStringsArray, ...values: Piece[]): SafeHtml {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return new SafeHtml(out);
}

/** Data for the page's script, in a JSON block the browser never runs: `<` is escaped so no tag can close it. */
export function jsonBlock(id: string, data: unknown): SafeHtml {
  const text = JSON.stringify(data).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
  return html`<script type="application/json" id="${id}">${new SafeHtml(text)}</script>`;
}

/** A URL path with query parameters (empty values left out), for links that keep the page's state. */
export function link(path: string, params: Record<string, string | number | undefined | null | string[]>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v)) {
      if (v.length > 0) q.set(k, v.join(','));
    } else q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

export interface Layout {
  title: string;
  /** the nav entry to mark as current */
  section: 'projects' | 'runs' | 'compare' | 'sync';
  /** the page's JSON twin */
  jsonHref: string;
  syncedAt: string | null;
  /** page scripts need the chart library */
  charts?: boolean;
  body: SafeHtml;
}

/** The whole page around a body: navigation, the JSON twin's link, the mirror's freshness. */
export function page(l: Layout): string {
  const nav = (href: string, label: string, key: Layout['section']) => html`<a href="${href}"${key === l.section ? new SafeHtml(' aria-current="page"') : ''}>${label}</a>`;
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${l.title} · modellab-mirror</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/web.css">
${l.charts ? html`<script src="/assets/chart.umd.min.js" defer></script>` : ''}
<script src="/assets/web.js" defer></script>
</head><body>
<header><a class="brand" href="/">modellab-mirror</a><nav>${nav('/', 'Projects', 'projects')}${nav('/runs', 'Runs', 'runs')}${nav('/compare', 'Compare', 'compare')}${nav('/sync', 'Sync', 'sync')}</nav>
<span class="meta">synced ${l.syncedAt ?? 'never'} · <a href="${l.jsonHref}">JSON</a></span></header>
<main>
${l.body}
</main></body></html>`.text;
}

/** A number for a table cell: short, but exact enough to tell runs apart. */
export function formatNumber(v: unknown): string {
  if (typeof v !== 'number') return v === null || v === undefined ? '' : String(v);
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(3);
  return String(Number(v.toPrecision(5)));
}
