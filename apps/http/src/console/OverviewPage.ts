/** The overview: the numbers an operator looks at first, from the same reads the API makes. */
import type { CompletionStats, MintStatus, ReasonCode, Tree } from "@tickettoken/minting-core"
import type { ReportView } from "@tickettoken/minting-core/client"
import { badge, h, type Markup, ms, nothing, num, short, when } from "./Html.ts"

export interface WorkerState {
  readonly status: "ok" | "degraded" | "off"
  readonly reason?: string | undefined
  readonly stalledForMs?: number | undefined
  readonly inFlight?: number | undefined
}

export interface ChainState {
  readonly status: "ok" | "degraded" | "error"
  readonly problems: ReadonlyArray<{ readonly reason: string; readonly message: string }>
  readonly kind: string
  readonly rpcHost: string | null
  readonly genesisHash: string | null
  readonly slot: number | null
}

export interface FeePayer {
  readonly address: string
  readonly lamports: number
  readonly mintCostLamports: number
}

export interface Overview {
  readonly counts: Readonly<Record<MintStatus, number>>
  readonly stats: CompletionStats.CompletionStats
  readonly worker: WorkerState
  readonly chain: ChainState
  readonly feePayer: FeePayer | null
  readonly trees: ReadonlyArray<Tree>
  readonly openFindings: Readonly<Record<ReasonCode, number>>
  readonly lastReport: ReportView | null
}

const lamportsPerSol = 1_000_000_000

export const sol = (lamports: number) =>
  `${(lamports / lamportsPerSol).toLocaleString("en-US", { maximumFractionDigits: 6 })} SOL`

/** Completions per minute as bars; the figure's caption and the SVG's title say it in words. */
export const chart = (stats: CompletionStats.CompletionStats): Markup => {
  const width = 1000
  const height = 150
  const top = 12
  const bottom = 20
  const left = 30
  const slot = (width - left - 4) / stats.perMinute.length
  const peak = Math.max(1, ...stats.perMinute)
  const total = stats.perMinute.reduce((a, b) => a + b, 0)
  const scale = (height - top - bottom) / peak
  const bars = stats.perMinute.map((n, i) => {
    const barHeight = n * scale
    const minute = new Date(stats.from + i * 60_000).toISOString().slice(11, 16)
    return h`<rect class="bar" x="${(left + i * slot + 0.5).toFixed(1)}" y="${(height - bottom - barHeight).toFixed(1)}" width="${Math.max(1, slot - 1).toFixed(1)}" height="${barHeight.toFixed(1)}"><title>${minute} UTC: ${n}</title></rect>`
  })
  const summary = `Completed mints per minute over the last hour: ${num(total)} in all, at most ${num(peak === 1 && total === 0 ? 0 : peak)} in one minute.`
  return h`<figure class="chart">
<svg viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="chart-title" data-total="${total}">
<title id="chart-title">${summary}</title>
<line class="axis" x1="${left}" y1="${height - bottom}" x2="${width - 4}" y2="${height - bottom}"></line>
<line class="axis" x1="${left}" y1="${top}" x2="${left}" y2="${height - bottom}"></line>
<text x="${left - 4}" y="${top + 4}" text-anchor="end">${total === 0 ? 0 : peak}</text>
<text x="${left - 4}" y="${height - bottom}" text-anchor="end">0</text>
<text x="${left}" y="${height - 6}">-60 min</text>
<text x="${width - 4}" y="${height - 6}" text-anchor="end">now</text>
${bars}
</svg>
<figcaption>${summary}</figcaption>
</figure>`
}

const workerCard = (worker: WorkerState) => {
  const state = worker.status === "ok" ? "running" : worker.status === "degraded" ? "stalled" : "off"
  return h`<section class="card" aria-labelledby="worker-h"><h2 id="worker-h">Mint worker</h2>
<dl class="kv">
<dt>State</dt><dd data-testid="worker-state">${badge(state)}</dd>
${worker.status === "degraded" ? h`<dt>Why</dt><dd data-testid="worker-reason">${(worker.reason ?? "unknown").replaceAll("_", " ")}</dd><dt>Stalled for</dt><dd>${ms(worker.stalledForMs ?? 0)}</dd>` : nothing}
${worker.inFlight === undefined ? nothing : h`<dt>In flight</dt><dd>${num(worker.inFlight)}</dd>`}
</dl>
${worker.status === "off" ? h`<p class="muted">WORKER_ENABLED=false on this process: another process mints.</p>` : nothing}
</section>`
}

const chainCard = (
  chain: ChainState,
  feePayer: FeePayer | null
) => h`<section class="card" aria-labelledby="chain-h"><h2 id="chain-h">Chain</h2>
<dl class="kv">
<dt>Status</dt><dd>${badge(chain.status)}</dd>
<dt>Kind</dt><dd data-testid="chain-kind">${chain.kind}</dd>
<dt>Cluster host</dt><dd data-testid="rpc-host">${chain.rpcHost ?? "—"}</dd>
<dt>Slot</dt><dd>${chain.slot === null ? "—" : num(chain.slot)}</dd>
${
  feePayer === null
    ? h`<dt>Fee payer</dt><dd>unknown (chain unreachable)</dd>`
    : h`<dt>Fee payer</dt><dd>${short(feePayer.address)}</dd>
<dt>Balance</dt><dd data-testid="fee-payer-balance">${sol(feePayer.lamports)}</dd>
<dt>Pays for</dt><dd data-testid="fee-payer-mints">${num(Math.floor(feePayer.lamports / Math.max(1, feePayer.mintCostLamports)))} more mints</dd>`
}
</dl>
${chain.problems.length === 0 ? nothing : h`<ul class="problems">${chain.problems.map((p) => h`<li><strong>${p.reason.replaceAll("_", " ")}</strong>: ${p.message}</li>`)}</ul>`}
</section>`

export const overviewBody = (o: Overview): Markup => {
  const statuses = Object.entries(o.counts) as ReadonlyArray<[MintStatus, number]>
  const findings = (Object.entries(o.openFindings) as ReadonlyArray<[ReasonCode, number]>).filter(
    ([, n]) => n > 0
  )
  const latency = o.stats.latency
  return h`<div class="grid">
<section class="card" aria-labelledby="status-h"><h2 id="status-h">Mints by status</h2>
<table><thead><tr><th scope="col">Status</th><th scope="col" class="n">Mints</th></tr></thead>
<tbody>${statuses.map(([status, n]) => h`<tr><td><a href="/console/mints?status=${status}">${badge(status)}</a></td><td class="n" data-testid="count-${status}">${num(n)}</td></tr>`)}</tbody></table>
</section>
${workerCard(o.worker)}
${chainCard(o.chain, o.feePayer)}
<section class="card" aria-labelledby="latency-h"><h2 id="latency-h">Accept → completed, last hour</h2>
${
  latency === null
    ? h`<p data-testid="latency-none">No mint completed in the last hour.</p>`
    : h`<dl class="kv">
<dt>Completed</dt><dd data-testid="latency-count">${num(latency.count)}</dd>
<dt>p50</dt><dd data-testid="latency-p50">${ms(latency.p50Ms)}</dd>
<dt>p90</dt><dd>${ms(latency.p90Ms)}</dd>
<dt>p99</dt><dd>${ms(latency.p99Ms)}</dd>
<dt>Slowest</dt><dd>${ms(latency.maxMs)}</dd>
</dl>`
}
</section>
</div>
<h2>Completed per minute</h2>
${chart(o.stats)}
<div class="grid">
<section class="card" aria-labelledby="trees-h"><h2 id="trees-h">Trees</h2>
${
  o.trees.length === 0
    ? h`<p>No tree yet.</p>`
    : h`<table><thead><tr><th scope="col">Tree</th><th scope="col">Status</th><th scope="col">Fill</th></tr></thead><tbody>
${o.trees
  .filter((t) => t.status === "active" || t.status === "standby")
  .map(
    (t) =>
      h`<tr><td>${short(t.address)}</td><td>${badge(t.status)}</td><td><meter min="0" max="${t.capacity}" value="${t.minted}" aria-label="Fill of tree ${t.address}">${t.minted}</meter> ${num(t.minted)} / ${num(t.capacity)}</td></tr>`
  )}
</tbody></table>
<p><a href="/console/trees">All trees and collections</a></p>`
}
</section>
<section class="card" aria-labelledby="findings-h"><h2 id="findings-h">Open findings</h2>
${
  findings.length === 0
    ? h`<p data-testid="findings-none">None open.</p>`
    : h`<table><thead><tr><th scope="col">Reason</th><th scope="col" class="n">Open</th></tr></thead><tbody>
${findings.map(([reason, n]) => h`<tr><td><a href="/console/reconciliation?reason=${reason}">${reason.replaceAll("_", " ")}</a></td><td class="n" data-testid="open-${reason}">${num(n)}</td></tr>`)}
</tbody></table>`
}
</section>
<section class="card" aria-labelledby="pass-h"><h2 id="pass-h">Last reconciliation pass</h2>
${
  o.lastReport === null
    ? h`<p>No pass has run yet.</p>`
    : h`<dl class="kv">
<dt>Finished</dt><dd>${when(o.lastReport.finishedAt)}</dd>
<dt>Examined</dt><dd>${num(o.lastReport.examined)}</dd>
<dt>Mismatches</dt><dd data-testid="last-pass-mismatches">${num(o.lastReport.counts.mismatches)}</dd>
</dl>
<p><a href="/console/reconciliation/${o.lastReport.id}">Its report</a></p>`
}
</section>
</div>`
}
