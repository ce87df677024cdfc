/**
 * Findings across passes, one row per finding key (reason and subject): opened by the first
 * pass that reports it, touched by every pass that still does, resolved by a complete pass
 * that no longer does (`chain`) or by an operator. The finding itself is kept as JSON.
 */
import {
  Finding,
  type FindingQuery,
  FindingRepository,
  type FindingState,
  findingKey,
  notFound,
  OpenFinding,
  type Page,
  type ReasonCode,
  Reconciliation,
  type RecordFindings
} from "@tickettoken/minting-core"
import { Array as Arr, DateTime, Effect, Layer, Option, Schema } from "effect"
import { SqlClient, type Statement } from "effect/sql"
import * as R from "./Rows.ts"
import { orRepositoryError, transaction } from "./SqlErrors.ts"

const FindingJson = Schema.toCodecJson(Finding)
const encodeFinding = Schema.encodeSync(FindingJson)
const decodeFinding = Schema.decodeUnknownSync(FindingJson)

const toOpenFinding = (row: R.Row) =>
  new OpenFinding({
    id: R.text(row, "id"),
    finding: decodeFinding(R.json(row, "finding")),
    state: R.text(row, "state") as FindingState,
    firstSeenAt: R.time(row, "first_seen_at"),
    lastSeenAt: R.time(row, "last_seen_at"),
    reportId: R.text(row, "report_id"),
    resolvedAt: R.timeOrNull(row, "resolved_at"),
    resolvedBy: R.textOrNull(row, "resolved_by")
  })

const cursorOf = (f: OpenFinding) => `${DateTime.toEpochMillis(f.firstSeenAt)}:${f.id}`

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient

  const record = Effect.fn("PostgresFindingRepository.record")(
    (input: RecordFindings) =>
      transaction(
        sql,
        Effect.gen(function* () {
          const at = R.toDate(input.at)
          const byKey = new Map<string, Finding>()
          for (const f of input.findings) if (!byKey.has(findingKey(f))) byKey.set(findingKey(f), f)
          const rows = [...byKey].map(([id, f]) => ({
            id,
            reason_code: f.reasonCode,
            finding: JSON.stringify(encodeFinding(f)),
            state: "open",
            first_seen_at: at,
            last_seen_at: at,
            report_id: input.reportId,
            resolved_at: null,
            resolved_by: null
          }))
          let opened = 0
          for (let i = 0; i < rows.length; i += 1_000) {
            const batch = rows.slice(i, i + 1_000)
            if (!Arr.isArrayNonEmpty(batch)) continue
            // A finding still open keeps when it was first seen; a resolved one opens again.
            const written = yield* sql<R.Row>`
              INSERT INTO findings ${sql.insert(batch)}
              ON CONFLICT (id) DO UPDATE SET
                finding = excluded.finding,
                last_seen_at = excluded.last_seen_at,
                report_id = excluded.report_id,
                first_seen_at = CASE WHEN findings.state = 'open' THEN findings.first_seen_at ELSE excluded.first_seen_at END,
                state = 'open',
                resolved_at = NULL,
                resolved_by = NULL
              RETURNING (xmax = 0) AS inserted, first_seen_at = last_seen_at AS fresh`
            opened += written.filter((row) => R.bool(row, "inserted") || R.bool(row, "fresh")).length
          }
          let resolved = 0
          if (input.complete) {
            const seen = [...byKey.keys()]
            const done = yield* sql<R.Row>`
              UPDATE findings SET state = 'resolved', resolved_at = ${at}, resolved_by = 'chain'
              WHERE state = 'open' AND ${seen.length === 0 ? sql`TRUE` : sql`id NOT IN ${sql.in(seen)}`}
              RETURNING id`
            resolved = done.length
          }
          return { opened, resolved }
        })
      ),
    orRepositoryError
  )

  const list = Effect.fn("PostgresFindingRepository.list")(function* (query: FindingQuery) {
    const limit = Math.max(0, query.limit)
    const conditions: Array<Statement.Fragment> = [sql`TRUE`]
    if (query.state !== undefined) conditions.push(sql`state = ${query.state}`)
    if (query.reason !== undefined) conditions.push(sql`reason_code = ${query.reason}`)
    if (query.cursor !== undefined) {
      const at = query.cursor.indexOf(":")
      const millis = Number(query.cursor.slice(0, at))
      if (at <= 0 || !Number.isFinite(millis)) return { items: [], nextCursor: null } as Page<OpenFinding>
      conditions.push(sql`(first_seen_at, id) > (${new Date(millis)}, ${query.cursor.slice(at + 1)})`)
    }
    const rows = yield* sql<R.Row>`
      SELECT * FROM findings WHERE ${sql.and(conditions)} ORDER BY first_seen_at, id LIMIT ${limit + 1}`
    const items = rows.slice(0, limit).map(toOpenFinding)
    const last = items.at(-1)
    const page: Page<OpenFinding> = {
      items,
      nextCursor: rows.length > limit && last !== undefined ? cursorOf(last) : null
    }
    return page
  }, orRepositoryError)

  const get = Effect.fn("PostgresFindingRepository.get")(
    (id: string) =>
      Effect.map(sql<R.Row>`SELECT * FROM findings WHERE id = ${id}`, (rows) =>
        Option.map(Option.fromNullishOr(rows[0]), toOpenFinding)
      ),
    orRepositoryError
  )

  const resolve = Effect.fn("PostgresFindingRepository.resolve")(function* (
    id: string,
    by: string,
    at: DateTime.Utc
  ) {
    const rows = yield* sql<R.Row>`
      UPDATE findings SET state = 'resolved', resolved_at = ${R.toDate(at)}, resolved_by = ${by}
      WHERE id = ${id} AND state = 'open' RETURNING *`
    const row = rows[0]
    if (row === undefined) return yield* Effect.fail(notFound("open finding", id))
    return toOpenFinding(row)
  }, orRepositoryError)

  const openCounts = Effect.map(
    sql<R.Row>`SELECT reason_code, count(*)::int AS n FROM findings WHERE state = 'open' GROUP BY reason_code`,
    (rows) => {
      const counts = Object.fromEntries(Reconciliation.reasonCodes.map((r) => [r, 0])) as Record<
        ReasonCode,
        number
      >
      for (const row of rows) counts[R.text(row, "reason_code") as ReasonCode] = R.int(row, "n")
      return counts as Readonly<Record<ReasonCode, number>>
    }
  ).pipe(orRepositoryError, Effect.withSpan("PostgresFindingRepository.openCounts"))

  return FindingRepository.of({ record, list, get, resolve, openCounts })
})

export const layer: Layer.Layer<FindingRepository, never, SqlClient.SqlClient> = Layer.effect(
  FindingRepository,
  make
)
