/**
 * MintRepository on PostgreSQL. Claims lock rows with FOR UPDATE SKIP LOCKED, so concurrent
 * workers never wait on each other and never take the same mint; the version column is the
 * fencing token every later write is checked against.
 */
import {
  type Attempt,
  type AttemptOutcome,
  type ClaimOptions,
  type ListMintsQuery,
  type Mint,
  MintRepository,
  type MintStatus,
  mintStatuses,
  notFound,
  type Page,
  staleVersion
} from "@tickettoken/minting-core"
import { DateTime, Effect, Layer, Option } from "effect"
import { SqlClient } from "effect/sql"
import { mintColumns, mintValues, toAttempt, toMint } from "./MintRows.ts"
import * as R from "./Rows.ts"
import { orRepositoryError } from "./SqlErrors.ts"

const listCursor = (mint: Mint) => `${DateTime.toEpochMillis(mint.createdAt)}:${mint.id}`

const parseListCursor = (cursor: string) => {
  const at = cursor.indexOf(":")
  const millis = Number(cursor.slice(0, at))
  return at > 0 && Number.isFinite(millis) ? { at: new Date(millis), id: cursor.slice(at + 1) } : null
}

const pageOf = <A>(rows: ReadonlyArray<A>, limit: number, cursorOf: (a: A) => string): Page<A> => {
  const items = rows.slice(0, limit)
  const last = items[items.length - 1]
  return { items, nextCursor: rows.length > limit && last !== undefined ? cursorOf(last) : null }
}

// Comparisons, not subtraction: a never-leased mint is due since -infinity.
const compare = <A extends number | string>(a: A, b: A) => (a < b ? -1 : a > b ? 1 : 0)

/** Columns a save may change: everything but the identity and when it was created. */
const savedColumns = mintColumns.filter((c) => c !== "id" && c !== "created_at" && c !== "version")

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient

  const selectOne = (rows: ReadonlyArray<R.Row>) => Option.map(Option.fromNullishOr(rows[0]), toMint)

  const create = Effect.fn("PostgresMintRepository.create")(function* (mint: Mint) {
    const inserted = yield* sql<R.Row>`
      INSERT INTO mints ${sql.insert(mintValues(mint))}
      ON CONFLICT (ticket_id) DO NOTHING
      RETURNING *`
    const row = inserted[0]
    if (row !== undefined) return { mint: toMint(row), created: true }
    // The ticket has a mint: a concurrent insert waited for ours (or the other way round) and
    // did nothing, so the row it conflicted with is committed and visible to this statement.
    const existing = yield* sql<R.Row>`SELECT * FROM mints WHERE ticket_id = ${mint.ticketId}`
    const found = existing[0]
    if (found === undefined) return yield* Effect.die(new Error(`mint of ticket ${mint.ticketId} vanished`))
    return { mint: toMint(found), created: false }
  }, orRepositoryError)

  const get = Effect.fn("PostgresMintRepository.get")(
    (id: string) => Effect.map(sql<R.Row>`SELECT * FROM mints WHERE id = ${id}`, selectOne),
    orRepositoryError
  )

  const findByTicket = Effect.fn("PostgresMintRepository.findByTicket")(
    (ticketId: string) =>
      Effect.map(sql<R.Row>`SELECT * FROM mints WHERE ticket_id = ${ticketId}`, selectOne),
    orRepositoryError
  )

  const findBySignature = Effect.fn("PostgresMintRepository.findBySignature")(
    (signature: string) =>
      Effect.map(
        sql<R.Row>`
          SELECT * FROM mints WHERE tx_signature = ${signature}
          UNION ALL
          SELECT m.* FROM mint_attempts a JOIN mints m ON m.id = a.mint_id WHERE a.signature = ${signature}
          LIMIT 1`,
        selectOne
      ),
    orRepositoryError
  )

  const findByAssetId = Effect.fn("PostgresMintRepository.findByAssetId")(
    (assetId: string) =>
      Effect.map(sql<R.Row>`SELECT * FROM mints WHERE asset_id = ${assetId} LIMIT 1`, selectOne),
    orRepositoryError
  )

  const list = Effect.fn("PostgresMintRepository.list")(function* (query: ListMintsQuery) {
    const limit = Math.max(0, query.limit)
    const where = [sql`TRUE`]
    if (query.status !== undefined) where.push(sql`status = ${query.status}`)
    if (query.eventId !== undefined) where.push(sql`event_id = ${query.eventId}`)
    if (query.owner !== undefined) where.push(sql`owner = ${query.owner}`)
    if (query.cursor !== undefined) {
      const after = parseListCursor(query.cursor)
      if (after === null) return { items: [], nextCursor: null }
      where.push(sql`(created_at, id) < (${after.at}, ${after.id})`)
    }
    const rows = yield* sql<R.Row>`
      SELECT * FROM mints WHERE ${sql.and(where)}
      ORDER BY created_at DESC, id DESC
      LIMIT ${limit + 1}`
    return pageOf(rows.map(toMint), limit, listCursor)
  }, orRepositoryError)

  const claim = Effect.fn("PostgresMintRepository.claim")(function* (options: ClaimOptions) {
    // As MintTransitions' Claimed event: a lease must end in the future, or nothing is claimed.
    if (options.limit <= 0 || !DateTime.isGreaterThan(options.leaseExpiresAt, options.now)) return []
    const now = R.toDate(options.now)
    const statuses =
      options.inFlightOnly === true ? sql`status = 'minting'` : sql`status IN ('pending', 'minting')`
    const rows = yield* sql<R.Row>`
      UPDATE mints AS m SET
        status = 'minting',
        lease_owner = ${options.owner},
        lease_expires_at = ${R.toDate(options.leaseExpiresAt)},
        next_attempt_at = CASE WHEN m.status = 'pending' THEN NULL ELSE m.next_attempt_at END,
        version = m.version + 1,
        updated_at = ${now}
      FROM (
        SELECT id, due_at, created_at FROM mints
        WHERE ${statuses} AND due_at <= ${now}
        ORDER BY due_at, created_at, id
        LIMIT ${options.limit}
        FOR UPDATE SKIP LOCKED
      ) AS picked
      WHERE m.id = picked.id
      RETURNING m.*, extract(epoch FROM picked.due_at)::float8 AS claimed_due`
    // RETURNING keeps no order: put them back in the order they were picked.
    return rows
      .map((row) => ({ row, due: R.float(row, "claimed_due"), created: R.time(row, "created_at") }))
      .sort(
        (a, b) =>
          compare(a.due, b.due) ||
          compare(a.created.epochMilliseconds, b.created.epochMilliseconds) ||
          compare(R.text(a.row, "id"), R.text(b.row, "id"))
      )
      .map(({ row }) => toMint(row))
  }, orRepositoryError)

  const save = Effect.fn("PostgresMintRepository.save")(function* (mint: Mint, expectedVersion: number) {
    const values = mintValues(mint)
    const assignments = sql.csv(savedColumns.map((column) => sql`${sql(column)} = ${values[column]}`))
    const rows = yield* sql<R.Row>`
      UPDATE mints SET ${assignments}, version = ${expectedVersion + 1}
      WHERE id = ${mint.id} AND version = ${expectedVersion}
      RETURNING *`
    const row = rows[0]
    if (row !== undefined) return toMint(row)
    const exists = yield* sql`SELECT 1 FROM mints WHERE id = ${mint.id}`
    return yield* Effect.fail(
      exists.length === 0 ? notFound("mint", mint.id) : staleVersion(mint.id, expectedVersion)
    )
  }, orRepositoryError)

  const recordAttempt = Effect.fn("PostgresMintRepository.recordAttempt")(
    (attempt: Attempt) =>
      Effect.asVoid(sql`
        INSERT INTO mint_attempts ${sql.insert({
          signature: attempt.signature,
          mint_id: attempt.mintId,
          attempt: attempt.attempt,
          last_valid_block_height: attempt.lastValidBlockHeight,
          wire: attempt.wire,
          tree: attempt.tree,
          outcome: attempt.outcome,
          created_at: R.toDate(attempt.createdAt),
          settled_at: R.toDateOrNull(attempt.settledAt)
        })}
        ON CONFLICT (signature) DO NOTHING`),
    orRepositoryError
  )

  const settleAttempt = Effect.fn("PostgresMintRepository.settleAttempt")(function* (
    signature: string,
    outcome: AttemptOutcome,
    at: DateTime.Utc
  ) {
    const rows = yield* sql`
      UPDATE mint_attempts SET outcome = ${outcome}, settled_at = ${R.toDate(at)}
      WHERE signature = ${signature}
      RETURNING signature`
    if (rows.length === 0) return yield* Effect.fail(notFound("attempt", signature))
  }, orRepositoryError)

  const attempts = Effect.fn("PostgresMintRepository.attempts")(
    (mintId: string) =>
      Effect.map(
        sql<R.Row>`SELECT * FROM mint_attempts WHERE mint_id = ${mintId} ORDER BY created_at, attempt`,
        (rows) => rows.map(toAttempt)
      ),
    orRepositoryError
  )

  const scan = Effect.fn("PostgresMintRepository.scan")(function* (
    statuses: ReadonlyArray<MintStatus>,
    cursor: string | null,
    limit: number
  ) {
    const size = Math.max(0, limit)
    if (statuses.length === 0) return { items: [], nextCursor: null }
    const after = cursor === null ? sql`TRUE` : sql`id > ${cursor}`
    const rows = yield* sql<R.Row>`
      SELECT * FROM mints WHERE status IN ${sql.in(statuses)} AND ${after}
      ORDER BY id
      LIMIT ${size + 1}`
    return pageOf(rows.map(toMint), size, (m) => m.id)
  }, orRepositoryError)

  const countByStatus = Effect.fn("PostgresMintRepository.countByStatus")(function* () {
    const rows = yield* sql<R.Row>`SELECT status, count(*)::int AS n FROM mints GROUP BY status`
    const counts = Object.fromEntries(mintStatuses.map((s) => [s, 0])) as Record<MintStatus, number>
    for (const row of rows) counts[R.text(row, "status") as MintStatus] = R.int(row, "n")
    return counts
  }, orRepositoryError)

  return MintRepository.of({
    create,
    get,
    findByTicket,
    findBySignature,
    findByAssetId,
    list,
    claim,
    save,
    recordAttempt,
    settleAttempt,
    attempts,
    scan,
    countByStatus
  })
})

export const layer: Layer.Layer<MintRepository, never, SqlClient.SqlClient> = Layer.effect(
  MintRepository,
  make
)
