// One run: attributes, params, metric summaries, tags, artifact tree, parent and children, its journal.
import { QueryError, readRunDetail, type RunDetail } from '../../../query/index.js';
import { formatNumber, html, SafeHtml } from '../html.js';
import { ViewError, type View, type ViewContext } from '../view.js';

/** The run page (`/runs/:id`, `/runs/:id.json`). */
export function runView(ctx: ViewContext, id: number): View {
  let d: RunDetail;
  try {
    d = readRunDetail(ctx.store, id);
  } catch (err) {
    if (err instanceof QueryError) throw new ViewError(404, err.message);
    throw err;
  }
  const r = d.run;
  const attrs = ['id', 'project', 'status', 'owner_id', 'created_at', 'started_at', 'updated_at', 'completed_at', 'duration', 'is_pinned', 'deleted_at', 'removed_upstream_at', 'external_url', 'first_seen_at', 'last_synced_at'];
  return {
    title: `Run ${String(r['name'])}`,
    section: 'runs',
    data: d,
    body: html`
<h1>Run <span class="name">${String(r['name'])}</span></h1>
<p class="meta">${r['description'] ? String(r['description']) : ''}</p>
<p><a href="/projects/${Number(r['project_id'])}">project ${String(r['project'] ?? r['project_id'])}</a>
${d.parent ? html` · parent <a href="/runs/${d.parent.id}">${d.parent.name || String(d.parent.id)}</a>` : ''}
· <a href="/runs?project=${Number(r['project_id'])}">runs of this project</a></p>
<div class="grid">
<section><h2>Attributes</h2><table class="kv">${attrs.filter((a) => r[a] !== null && r[a] !== undefined && r[a] !== '').map((a) => html`<tr><th>${a}</th><td>${String(r[a])}</td></tr>`)}</table></section>
<section><h2>Params (${d.params.length})</h2><table class="kv" id="params">${d.params.map((p) => html`<tr><th>${p.key}</th><td>${p.value}</td></tr>`)}</table></section>
<section><h2>Tags (${d.tags.length})</h2><table class="kv" id="tags">${d.tags.map((t) => html`<tr><th>${t.key}</th><td>${t.value}</td></tr>`)}</table></section>
</div>
<section><h2>Metrics (${d.metrics.length})</h2>
<div class="table-wrap"><table id="metrics"><thead><tr><th>key</th><th>latest</th><th>min</th><th>max</th><th>mean</th><th>stddev</th><th>count</th><th>steps</th></tr></thead><tbody>
${d.metrics.map(
  (m) =>
    html`<tr><th>${m.key}</th><td class="num">${formatNumber(m.latest)}</td><td class="num">${formatNumber(m.min)}</td><td class="num">${formatNumber(m.max)}</td><td class="num">${formatNumber(m.mean)}</td><td class="num">${formatNumber(m.stddev)}</td><td class="num">${m.count}</td><td class="num">${m.first_step ?? ''}–${m.last_step ?? ''}</td></tr>`,
)}
</tbody></table></div></section>
<div class="grid">
<section><h2>Artifacts (${d.artifacts.filter((a) => !a.is_dir).length} files)</h2>${artifactTree(d.artifacts)}</section>
<section><h2>Children (${d.children_total})</h2>${
      d.children.length === 0
        ? html`<p class="meta">none</p>`
        : html`<ul id="children">${d.children.map((c) => html`<li><a href="/runs/${c.id}">${c.name}</a> <span class="status s-${c.status}">${c.status}</span> <small>${c.created_at}</small></li>`)}</ul>${
            d.children_total > d.children.length ? html`<p><a href="/runs?where=${encodeURIComponent(`parent = ${id}`)}">all ${d.children_total} children</a></p>` : ''
          }`
    }</section>
</div>
<section><h2>Journal (${d.journal.length})</h2>
${d.journal.length === 0 ? html`<p class="meta">no change recorded since the mirror first saw it</p>` : html`<table id="journal"><thead><tr><th>when</th><th>pass</th><th>change</th><th>fields</th></tr></thead><tbody>
${d.journal.map(
  (j) =>
    html`<tr><td>${j.changed_at}</td><td>#${j.sync_id}</td><td>${j.change}</td><td>${j.fields.map((f) => html`<div><code>${f.field}</code>: ${show(f.before)} → ${show(f.after)}</div>`)}</td></tr>`,
)}
</tbody></table>`}
</section>`,
  };
}

function show(v: unknown): string {
  if (v === null || v === undefined) return '∅';
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}

interface Node {
  name: string;
  size: number | null;
  children: Map<string, Node>;
}

// Paths become a folder tree (<details> per folder); a folder with many entries stays closed.
function artifactTree(items: RunDetail['artifacts']): SafeHtml {
  if (items.length === 0) return html`<p class="meta">none listed</p>`;
  const root: Node = { name: '', size: null, children: new Map() };
  for (const a of items) {
    let node = root;
    for (const part of a.path.split('/').filter(Boolean)) {
      let next = node.children.get(part);
      if (!next) {
        next = { name: part, size: null, children: new Map() };
        node.children.set(part, next);
      }
      node = next;
    }
    if (!a.is_dir) node.size = a.file_size;
  }
  const render = (n: Node, depth: number): SafeHtml =>
    html`<ul>${[...n.children.values()].map((c) =>
      c.children.size > 0
        ? html`<li><details${depth < 2 && c.children.size <= 50 ? new SafeHtml(' open') : ''}><summary>${c.name}/</summary>${render(c, depth + 1)}</details></li>`
        : html`<li>${c.name} <small>${c.size === null ? '' : formatBytes(c.size)}</small></li>`,
    )}</ul>`;
  return html`<div class="tree" id="artifacts">${render(root, 0)}</div>`;
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(1)} GiB`;
}

