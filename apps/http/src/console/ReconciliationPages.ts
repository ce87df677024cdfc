/** Reconciliation: run a pass, the findings (with the resolve the API offers), the reports. */
import { type ReasonCode, ReasonCode as ReasonCodes } from "@tickettoken/minting-core"
import type { FindingView, ReportView } from "@tickettoken/minting-core/client"
import { badge, csrfField, h, type Markup, nothing, num, short, when } from "./Html.ts"

export interface FindingFilters {
  readonly state?: "open" | "resolved" | undefined
  readonly reason?: ReasonCode | undefined
}

const reasons: ReadonlyArray<ReasonCode> = ReasonCodes.literals

const subject = (f: FindingView) =>
  f.finding.ticketId !== null
    ? h`ticket <a href="/console/mints/${encodeURIComponent(f.finding.ticketId)}">${f.finding.ticketId}</a>`
    : f.finding.assetId !== null
      ? h`asset ${short(f.finding.assetId)}`
      : f.finding.tree !== undefined
        ? h`tree ${short(f.finding.tree)}`
        : h`<span class="muted">—</span>`

const findingsTable = (findings: ReadonlyArray<FindingView>, csrf: string) =>
  findings.length === 0
    ? h`<p data-testid="findings-empty">No finding matches.</p>`
    : h`<table data-testid="findings">
<thead><tr><th scope="col">Reason</th><th scope="col">Subject</th><th scope="col">Details</th><th scope="col">State</th><th scope="col">First seen</th><th scope="col">Last seen</th><th scope="col">Action</th></tr></thead>
<tbody>${findings.map(
        (f) => h`<tr data-finding="${f.id}">
<td>${f.reasonCode.replaceAll("_", " ")}</td>
<td>${subject(f)}</td>
<td>${f.finding.details}</td>
<td>${badge(f.state)}${f.resolvedBy === null ? nothing : h` <span class="muted">by ${f.resolvedBy}</span>`}</td>
<td>${when(f.firstSeenAt)}</td>
<td>${when(f.lastSeenAt)}</td>
<td>${
          f.state === "open"
            ? h`<form class="inline" method="post" action="/console/findings/${encodeURIComponent(f.id)}/resolve">${csrfField(csrf)}<button type="submit" aria-label="Resolve finding ${f.id}">Resolve</button></form>`
            : nothing
        }</td>
</tr>`
      )}</tbody></table>`

/** This page's URL with its filters and one cursor: the findings' or the reports'. */
const pageUrl = (
  filters: FindingFilters,
  cursor: { readonly findings?: string; readonly reports?: string }
) => {
  const params = new URLSearchParams({ state: filters.state ?? "all" })
  if (filters.reason !== undefined) params.set("reason", filters.reason)
  if (cursor.findings !== undefined) params.set("cursor", cursor.findings)
  if (cursor.reports !== undefined) params.set("reports", cursor.reports)
  return `/console/reconciliation?${params.toString()}`
}

export const reconciliationBody = (
  filters: FindingFilters,
  findings: ReadonlyArray<FindingView>,
  findingsNext: string | null,
  reports: ReadonlyArray<ReportView>,
  reportsNext: string | null,
  csrf: string
): Markup => h`<form method="post" action="/console/reconciliation/run">
${csrfField(csrf)}
<button type="submit" data-testid="run-pass">Run a reconciliation pass now</button>
<span class="muted">The same pass as the reconciler daemon's, under the same lock: it waits for nothing and is refused while another pass runs.</span>
</form>
<h2>Findings</h2>
<form class="filters" method="get" action="/console/reconciliation" aria-label="Filter findings">
<label>State <select name="state">
<option value="open"${filters.state === "open" ? h` selected` : nothing}>open</option>
<option value="resolved"${filters.state === "resolved" ? h` selected` : nothing}>resolved</option>
<option value="all"${filters.state === undefined ? h` selected` : nothing}>all</option>
</select></label>
<label>Reason <select name="reason">
<option value="">any</option>
${reasons.map((r) => h`<option value="${r}"${filters.reason === r ? h` selected` : nothing}>${r.replaceAll("_", " ")}</option>`)}
</select></label>
<button type="submit">Filter</button>
</form>
${findingsTable(findings, csrf)}
${findingsNext === null ? nothing : h`<nav class="pager" aria-label="Findings pages"><a href="${pageUrl(filters, { findings: findingsNext })}" rel="next">Next findings</a></nav>`}
<h2>Reports</h2>
${
  reports.length === 0
    ? h`<p>No pass has run yet.</p>`
    : h`<table data-testid="reports">
<thead><tr><th scope="col">Finished</th><th scope="col" class="n">Examined</th><th scope="col" class="n">Success</th><th scope="col" class="n">Mismatches</th><th scope="col" class="n">RPC calls</th><th scope="col">Alerts</th><th scope="col">Report</th></tr></thead>
<tbody>${reports.map(
        (r) => h`<tr>
<td>${when(r.finishedAt)}</td><td class="n">${num(r.examined)}</td><td class="n">${num(r.counts.success)}</td><td class="n">${num(r.counts.mismatches)}</td><td class="n">${num(r.rpcCalls)}</td>
<td>${(r.alerts ?? []).length === 0 ? h`<span class="muted">none</span>` : (r.alerts ?? []).join("; ")}</td>
<td><a href="/console/reconciliation/${encodeURIComponent(r.id)}">${r.id.slice(0, 8)}</a></td>
</tr>`
      )}</tbody></table>
${reportsNext === null ? nothing : h`<nav class="pager" aria-label="Report pages"><a href="${pageUrl(filters, { reports: reportsNext })}">Older reports</a></nav>`}`
}`

export const reportBody = (r: ReportView): Markup => h`<dl class="kv" data-testid="report">
<dt>Started</dt><dd>${when(r.startedAt)}</dd>
<dt>Finished</dt><dd>${when(r.finishedAt)}</dd>
<dt>Examined</dt><dd>${num(r.examined)}</dd>
<dt>Database → chain</dt><dd>${num(r.counts.dbToChain)}</dd>
<dt>Chain → database</dt><dd>${num(r.counts.chainToDb)}</dd>
<dt>Success</dt><dd>${num(r.counts.success)}</dd>
<dt>Mismatches</dt><dd data-testid="report-mismatches">${num(r.counts.mismatches)}</dd>
<dt>RPC calls</dt><dd>${num(r.rpcCalls)}</dd>
<dt>Alerts</dt><dd>${(r.alerts ?? []).length === 0 ? "none" : (r.alerts ?? []).join("; ")}</dd>
</dl>
<h2>Findings of this pass</h2>
${
  r.findings.length === 0
    ? h`<p data-testid="report-findings-empty">Nothing to report: every mint and leaf agreed.</p>`
    : h`<table data-testid="report-findings"><thead><tr><th scope="col">Reason</th><th scope="col">Action</th><th scope="col">Ticket</th><th scope="col">Signature</th><th scope="col">Asset</th><th scope="col">Details</th></tr></thead>
<tbody>${r.findings.map(
        (f) => h`<tr><td>${f.reasonCode.replaceAll("_", " ")}</td><td>${f.action}</td>
<td>${f.ticketId === null ? h`<span class="muted">—</span>` : h`<a href="/console/mints/${encodeURIComponent(f.ticketId)}">${f.ticketId}</a>`}</td>
<td>${short(f.signature)}</td><td>${short(f.assetId)}</td><td>${f.details}</td></tr>`
      )}</tbody></table>`
}
<p><a href="/console/reconciliation">All reports and findings</a></p>`
