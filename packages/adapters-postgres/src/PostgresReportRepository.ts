/**
 * Reports keep the seed's columns (report_data and the four counts) with the whole report as
 * JSON, which is what is read back; the findings are also rows, for queries by mint or reason.
 */
import { type Page, ReconciliationReport, ReportRepository } from "@tickettoken/minting-core"
import { Array as Arr, DateTime, Effect, Layer, Option, Schema } from "effect"
import { SqlClient } from "effect/sql"
import * as R from "./Rows.ts"
import { orRepositoryError, transaction } from "./SqlErrors.ts"

// The JSON form: DateTimes as ISO strings, as any reader of report_data expects them.
const ReportJson = Schema.toCodecJson(ReconciliationReport)
const encodeReport = Schema.encodeSync(ReportJson)
const decodeReport = Schema.decodeUnknownSync(ReportJson)

const toReport = (row: R.Row) => decodeReport(R.json(row, "report_data"))

const cursorOf = (r: ReconciliationReport) => `${DateTime.toEpochMillis(r.startedAt)}:${r.id}`

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient

  const save = Effect.fn("PostgresReportRepository.save")(
    (report: ReconciliationReport) =>
      transaction(
        sql,
        Effect.gen(function* () {
          const columns = {
            timestamp: R.toDate(report.startedAt),
            started_at: R.toDate(report.startedAt),
            finished_at: R.toDate(report.finishedAt),
            report_data: JSON.stringify(encodeReport(report)),
            db_to_chain_count: report.counts.dbToChain,
            chain_to_db_count: report.counts.chainToDb,
            mismatch_count: report.counts.mismatches,
            success_count: report.counts.success,
            finding_count: report.findings.length,
            examined: report.examined,
            rpc_calls: report.rpcCalls
          }
          yield* sql`
            INSERT INTO reconciliation_reports ${sql.insert({ id: report.id, ...columns })}
            ON CONFLICT (id) DO UPDATE SET ${sql.update(columns)}`
          yield* sql`DELETE FROM reconciliation_findings WHERE report_id = ${report.id}`
          const findings = report.findings.map((f, position) => ({
            report_id: report.id,
            position,
            reason_code: f.reasonCode,
            action: f.action,
            mint_id: f.mintId,
            ticket_id: f.ticketId,
            signature: f.signature,
            asset_id: f.assetId,
            tree: f.tree ?? null,
            details: f.details
          }))
          if (Arr.isArrayNonEmpty(findings)) {
            yield* sql`INSERT INTO reconciliation_findings ${sql.insert(findings)}`
          }
        })
      ),
    orRepositoryError
  )

  const get = Effect.fn("PostgresReportRepository.get")(
    (id: string) =>
      Effect.map(sql<R.Row>`SELECT report_data FROM reconciliation_reports WHERE id = ${id}`, (rows) =>
        Option.map(Option.fromNullishOr(rows[0]), toReport)
      ),
    orRepositoryError
  )

  const list = Effect.fn("PostgresReportRepository.list")(function* (options: {
    readonly cursor?: string | undefined
    readonly limit: number
  }) {
    const limit = Math.max(0, options.limit)
    let after = sql`TRUE`
    if (options.cursor !== undefined) {
      // A forged cursor ends the list; it never reaches a statement as an invalid date or text.
      const parsed = R.parseCursor(options.cursor)
      if (parsed === null) return { items: [], nextCursor: null }
      after = sql`(started_at, id) < (${parsed.at}, ${parsed.id})`
    }
    const rows = yield* sql<R.Row>`
      SELECT report_data FROM reconciliation_reports WHERE ${after}
      ORDER BY started_at DESC, id DESC LIMIT ${limit + 1}`
    const items = rows.slice(0, limit).map(toReport)
    const last = items[items.length - 1]
    const page: Page<ReconciliationReport> = {
      items,
      nextCursor: rows.length > limit && last !== undefined ? cursorOf(last) : null
    }
    return page
  }, orRepositoryError)

  return ReportRepository.of({ save, get, list })
})

export const layer: Layer.Layer<ReportRepository, never, SqlClient.SqlClient> = Layer.effect(
  ReportRepository,
  make
)
