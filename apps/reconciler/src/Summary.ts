/**
 * What the one-shot CLI prints: a table of counts per reason code with the pass's duration, RPC
 * requests and size, then the worst findings (anything but success first), capped. Or the whole
 * report as JSON, as the HTTP API serves it.
 */
import { type Finding, Reconciliation, type ReconciliationReport } from "@tickettoken/minting-core"
import { toReportView } from "@tickettoken/minting-core/client"
import { DateTime } from "effect"

/** Worst first: what the database says happened and the chain denies, then what is merely odd. */
const severity: Readonly<Record<Reconciliation.ReasonCode, number>> = {
  chain_reset: 0,
  double_mint: 1,
  replica_incomplete: 2,
  mint_missing: 3,
  transaction_failed: 4,
  metadata_mismatch: 5,
  chain_orphaned: 6,
  db_orphaned: 7,
  import_unproven: 8,
  success: 9
}

export const worstFirst = (findings: ReadonlyArray<Finding>): ReadonlyArray<Finding> =>
  findings
    .map((finding, position) => ({ finding, position }))
    .sort(
      (a, b) =>
        severity[a.finding.reasonCode] - severity[b.finding.reasonCode] ||
        (a.finding.action === "none" ? 1 : 0) - (b.finding.action === "none" ? 1 : 0) ||
        a.position - b.position
    )
    .map(({ finding }) => finding)

/** Anything but success was found (a success that needed a repair counts as success). */
export const foundProblems = (report: ReconciliationReport): boolean =>
  Reconciliation.reasonCodes.some((code) => code !== "success" && report.counts.byReason[code] > 0)

const number = (n: number) => n.toLocaleString("en-US")

const shorten = (text: string | null, length: number) =>
  text === null ? "-" : text.length <= length ? text : `${text.slice(0, length - 1)}…`

const table = (rows: ReadonlyArray<ReadonlyArray<string>>, rightAligned: ReadonlySet<number> = new Set()) => {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)))
  return rows.map((row) =>
    row
      .map((cell, column) =>
        rightAligned.has(column) ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!)
      )
      .join("  ")
      .trimEnd()
  )
}

export interface SummaryOptions {
  readonly repair: boolean
  /** How many findings to list at most. */
  readonly limit: number
}

export const summary = (report: ReconciliationReport, options: SummaryOptions): string => {
  const seconds =
    (DateTime.toEpochMillis(report.finishedAt) - DateTime.toEpochMillis(report.startedAt)) / 1000
  const lines = [
    `Reconciliation ${report.id}`,
    `  started ${DateTime.formatIso(report.startedAt)}, ${options.repair ? "repairs applied" : "report only (--no-repair)"}`,
    "",
    ...table(
      [
        ["reason code", "count"],
        ...Reconciliation.reasonCodes.map((code) => [code, number(report.counts.byReason[code])]),
        ["", ""],
        ["duration", `${seconds.toFixed(3)} s`],
        ["RPC requests", number(report.rpcCalls)],
        ["examined", number(report.examined)]
      ],
      new Set([1])
    ).map((line) => `  ${line}`.trimEnd())
  ]
  for (const alert of report.alerts ?? []) lines.push("", `ALERT: ${alert}`)
  const worst = worstFirst(report.findings)
  if (worst.length === 0) {
    lines.push("", "No findings beyond plain successes.")
    return lines.join("\n")
  }
  const shown = worst.slice(0, options.limit)
  lines.push(
    "",
    shown.length < worst.length
      ? `Worst findings (${shown.length} of ${worst.length}):`
      : `Findings (${worst.length}):`,
    ...table([
      ["reason", "action", "ticket", "signature", "details"],
      ...shown.map((f) => [
        f.reasonCode,
        f.action,
        shorten(f.ticketId, 24),
        shorten(f.signature, 20),
        shorten(f.details, 100)
      ])
    ]).map((line) => `  ${line}`)
  )
  return lines.join("\n")
}

/** The report as the HTTP API serves it (GET /reconciliations/:id). */
export const toJson = (report: ReconciliationReport): string => JSON.stringify(toReportView(report), null, 2)
