// The sync page: passes over time (duration and requests), the lag since the last success, failures, the outbox.
import { describeAge, readSyncOverview } from '../../../query/index.js';
import { html, jsonBlock } from '../html.js';
import type { View, ViewContext } from '../view.js';

/** The sync page (`/sync`, `/sync.json`). */
export function syncView(ctx: ViewContext): View {
  const o = readSyncOverview(ctx.store, ctx.now);
  const series = [...o.passes].reverse().map((p) => ({ id: p.id, kind: p.kind, status: p.status, started_at: p.started_at, seconds: p.seconds, requests: p.requests }));
  return {
    title: 'Sync',
    section: 'sync',
    charts: true,
    data: o,
    body: html`
<h1>Sync</h1>
<p class="summary">lag: <strong id="lag">${o.lag_seconds === null ? 'no successful pass yet' : `${describeAge(o.lag_seconds * 1000)} since pass #${o.last_success!.id} finished`}</strong>
· failures: <strong>${o.failures.consecutive}</strong> in a row, ${o.failures.total} in all
· outbox: ${Object.entries(o.outbox.counts).map(([state, n]) => `${n} ${state}`).join(', ') || 'empty'}</p>
${series.length > 0 ? html`<figure class="chart"><figcaption>Passes over time: duration (s) and requests</figcaption><div class="canvas-box" data-height="260"><canvas id="passes-chart" data-chart="passes" role="img" aria-label="sync passes over time"></canvas></div></figure>${jsonBlock('passes-data', series)}` : ''}
<h2>Passes (newest first)</h2>
<div class="table-wrap"><table id="passes"><thead><tr><th>#</th><th>kind</th><th>status</th><th>started</th><th>took</th><th>requests</th><th>retries</th><th>429s</th><th>inserted</th><th>updated</th><th>removed</th><th>warnings</th><th>error</th></tr></thead><tbody>
${o.passes.map(
  (p) =>
    html`<tr class="${p.status === 'failed' ? 'failed' : ''}"><td class="num">${p.id}</td><td>${p.kind}</td><td><span class="status s-${p.status}">${p.status}</span></td><td>${p.started_at}</td><td class="num">${p.seconds === null ? '' : `${p.seconds.toFixed(1)} s`}</td><td class="num">${p.requests}</td><td class="num">${p.retries}</td><td class="num">${p.rate_limited}</td><td class="num">${p.inserted}</td><td class="num">${p.updated}</td><td class="num">${p.removed}</td><td class="num">${p.warnings}</td><td class="error-text">${p.error ?? ''}</td></tr>`,
)}
</tbody></table></div>
<h2>Outbox</h2>
${o.outbox.items.length === 0
  ? html`<p class="meta" id="outbox">no offline writes</p>`
  : html`<table id="outbox"><thead><tr><th>#</th><th>kind</th><th>target</th><th>queued</th><th>state</th><th>attempts</th><th>next attempt</th><th>last status</th><th>last error</th></tr></thead><tbody>
${o.outbox.items.map(
  (w) =>
    html`<tr><td class="num">${w.id}</td><td>${w.kind}</td><td class="num">${w.target}</td><td>${w.created_at}</td><td>${w.state}</td><td class="num">${w.attempts}</td><td>${w.next_attempt_at ?? ''}</td><td>${w.last_status ?? ''}</td><td class="error-text">${w.last_error ?? ''}</td></tr>`,
)}</tbody></table>`}`,
  };
}
