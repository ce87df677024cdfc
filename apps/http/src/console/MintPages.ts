/** The mints: a filtered, paged table, one mint's timeline, and the retry's confirmation. */
import { type Attempt, mintStatuses } from "@tickettoken/minting-core"
import type { MintView } from "@tickettoken/minting-core/client"
import { DateTime } from "effect"
import { type Cluster, explorerUrl } from "./Explorer.ts"
import { badge, csrfField, h, type Markup, nothing, num, short, when } from "./Html.ts"

export interface MintFilters {
  readonly status?: string | undefined
  readonly eventId?: string | undefined
  readonly owner?: string | undefined
  readonly ticket?: string | undefined
}

const query = (filters: MintFilters, cursor?: string) => {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(filters)) if (value) params.set(key, value)
  if (cursor !== undefined) params.set("cursor", cursor)
  const text = params.toString()
  return text === "" ? "/console/mints" : `/console/mints?${text}`
}

export const mintsBody = (
  filters: MintFilters,
  items: ReadonlyArray<MintView>,
  nextCursor: string | null,
  paged: boolean
): Markup => h`<form class="filters" method="get" action="/console/mints" role="search" aria-label="Filter mints">
<label>Ticket <input name="ticket" value="${filters.ticket ?? ""}" placeholder="exact ticket id" autocomplete="off"></label>
<label>Status <select name="status">
<option value="">any</option>
${mintStatuses.map((s) => h`<option value="${s}"${filters.status === s ? h` selected` : nothing}>${s.replaceAll("_", " ")}</option>`)}
</select></label>
<label>Event <input name="eventId" value="${filters.eventId ?? ""}" autocomplete="off"></label>
<label>Owner <input name="owner" value="${filters.owner ?? ""}" autocomplete="off" size="44"></label>
<button type="submit">Filter</button>
<a href="/console/mints">Clear</a>
</form>
${
  items.length === 0
    ? h`<p data-testid="mints-empty">No mint matches.</p>`
    : h`<table data-testid="mints">
<caption class="muted">Newest first; ${num(items.length)} on this page.</caption>
<thead><tr><th scope="col">Ticket</th><th scope="col">Status</th><th scope="col">Event</th><th scope="col">Owner</th><th scope="col" class="n">Attempts</th><th scope="col">Accepted</th><th scope="col">Completed</th></tr></thead>
<tbody>${items.map(
        (m) => h`<tr>
<td><a href="/console/mints/${encodeURIComponent(m.ticketId)}">${m.ticketId}</a></td>
<td>${badge(m.status)}</td>
<td>${m.eventId}</td>
<td>${short(m.owner)}</td>
<td class="n">${m.attempts}</td>
<td>${when(m.createdAt)}</td>
<td>${when(m.completedAt)}</td>
</tr>`
      )}</tbody></table>`
}
<nav class="pager" aria-label="Pages">
${paged ? h`<a href="${query(filters)}">First page</a>` : nothing}
${nextCursor === null ? nothing : h`<a href="${query(filters, nextCursor)}" rel="next">Next page</a>`}
</nav>`

const link = (cluster: Cluster, kind: "tx" | "address", value: string | null) => {
  if (value === null) return h`<span class="muted">—</span>`
  const url = explorerUrl(cluster, kind, value)
  return url === null
    ? h`<code>${value}</code>`
    : h`<a href="${url}" rel="noopener noreferrer" target="_blank"><code>${value}</code><span class="muted"> (explorer)</span></a>`
}

const iso = (t: DateTime.Utc | null) => (t === null ? null : DateTime.formatIso(t))

export const mintBody = (mint: MintView, attempts: ReadonlyArray<Attempt>, cluster: Cluster): Markup => {
  const retryable = mint.status === "failed" || mint.status === "missing_on_chain"
  return h`<dl class="kv" data-testid="mint">
<dt>Status</dt><dd data-testid="mint-status">${badge(mint.status)}</dd>
<dt>Ticket</dt><dd><code>${mint.ticketId}</code></dd>
<dt>Order</dt><dd><code>${mint.orderId}</code></dd>
<dt>Event</dt><dd><code>${mint.eventId}</code></dd>
<dt>Owner at mint</dt><dd>${link(cluster, "address", mint.owner)}</dd>
<dt>Current owner</dt><dd data-testid="current-owner">${mint.currentOwner === undefined || mint.currentOwner === null ? h`<span class="muted">not seen by a reconciliation pass yet</span>` : link(cluster, "address", mint.currentOwner)}${mint.burned === true ? h` <strong>burned</strong>` : nothing}</dd>
<dt>Attempts</dt><dd>${mint.attempts} of ${mint.maxAttempts}</dd>
<dt>Asset</dt><dd data-testid="asset-id">${link(cluster, "address", mint.assetId)}</dd>
<dt>Tree</dt><dd>${link(cluster, "address", mint.tree)}</dd>
<dt>Leaf index</dt><dd data-testid="leaf-index">${mint.leafIndex === null ? h`<span class="muted">—</span>` : String(mint.leafIndex)}</dd>
<dt>Metadata</dt><dd><a href="${mint.metadataUri}">${mint.metadataUri}</a></dd>
${mint.error === null ? nothing : h`<dt>Error</dt><dd data-testid="mint-error"><code>${mint.error.code}</code>: ${mint.error.message}</dd>`}
</dl>
${
  retryable
    ? h`<p><a class="button" href="/console/mints/${encodeURIComponent(mint.ticketId)}/retry" data-testid="retry-link">Retry this mint…</a></p>`
    : nothing
}
<h2>Timeline</h2>
<ol class="timeline" data-testid="timeline">
<li>${when(mint.createdAt)}: accepted</li>
${attempts.map(
  (a) =>
    h`<li>${when(iso(a.createdAt))}: attempt ${a.attempt}, signature ${link(cluster, "tx", a.signature)} in tree ${short(a.tree)}, valid to block height ${num(a.lastValidBlockHeight)}: ${badge(a.outcome)}${a.settledAt === null ? nothing : h` at ${when(iso(a.settledAt))}`}</li>`
)}
${mint.completedAt === null ? nothing : h`<li>${when(mint.completedAt)}: completed, leaf ${String(mint.leafIndex ?? "—")}</li>`}
${mint.status === "failed" || mint.status === "missing_on_chain" ? h`<li>${when(mint.updatedAt)}: ${badge(mint.status)}</li>` : nothing}
${mint.status === "pending" && mint.nextAttemptAt !== null ? h`<li>next attempt at ${when(mint.nextAttemptAt)}</li>` : nothing}
</ol>
${cluster === "local" ? h`<p class="muted">A local devnet or the simulated chain: no public explorer shows it, so signatures are not links.</p>` : nothing}`
}

export const retryBody = (
  mint: MintView,
  csrf: string
): Markup => h`<p>Ticket <code>${mint.ticketId}</code> is ${badge(mint.status)}${mint.error === null ? nothing : h` (<code>${mint.error.code}</code>: ${mint.error.message})`}.</p>
<p>A retry puts it back in the queue with fresh attempts. The service first checks the chain: if a leaf of this ticket or a signature of this mint landed after all, it refuses rather than mint twice.</p>
<form class="stack" method="post" action="/console/mints/${encodeURIComponent(mint.ticketId)}/retry">
${csrfField(csrf)}
<div><button type="submit" class="danger">Confirm retry</button> <a href="/console/mints/${encodeURIComponent(mint.ticketId)}">Cancel</a></div>
</form>`
