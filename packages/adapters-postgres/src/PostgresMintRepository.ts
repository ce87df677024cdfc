/**
 * MintRepository on PostgreSQL. Claims lock rows with FOR UPDATE SKIP LOCKED, so concurrent
 * workers never wait on each other and never take the same mint; the version column is the
 * fencing token every later write is checked against.
 */

import { PgTypes } from "@effect/sql-pg"
import {
  type Attempt,
  type AttemptOutcome,
  type ClaimOptions,
  type CompletionStats,
  type ListMintsQuery,
  Mint,
  MintRepository,
  type MintStatus,
  mintStatuses,
  notFound,
  type Page,
  type RepositoryError,
  rebuild,
  staleVersion
} from "@tickettoken/minting-core"
import { DateTime, Effect, Exit, Layer, Option, Request, RequestResolver, Result } from "effect"
import { SqlClient } from "effect/sql"
import * as Batching from "./Batching.ts"
import {
  mintColumns,
  mintColumnTypes,
  mintValues,
  requestFromColumns,
  toAttempt,
  toMint
} from "./MintRows.ts"
import * as R from "./Rows.ts"
import { orRepositoryError } from "./SqlErrors.ts"

/** Rows whose request column was edited into something else are read, and said so at each read. */
const warnRequestsFromColumns = (mints: ReadonlyArray<Mint>) =>
  Effect.forEach(
    mints.filter(requestFromColumns),
    (mint) =>
      Effect.logWarning(
        "mint row: its request column is not a request (edited?); read from its ticket, order, event, owner and collection columns, without metadata",
        { mintId: mint.id, ticketId: mint.ticketId }
      ),
    { discard: true }
  )

const listCursor = (mint: Mint) => `${DateTime.toEpochMillis(mint.createdAt)}:${mint.id}`

/** A cursor this list handed out, or null: a forged one ends the list, it never fails a statement. */
const parseListCursor = (cursor: string) => R.parseCursor(cursor)

const pageOf = <A>(rows: ReadonlyArray<A>, limit: number, cursorOf: (a: A) => string): Page<A> => {
  const items = rows.slice(0, limit)
  const last = items[items.length - 1]
  return { items, nextCursor: rows.length > limit && last !== undefined ? cursorOf(last) : null }
}

const fixedColumns = new Set<string>([
  "id",
  "ticket_id",
  "request",
  "event_id",
  "order_id",
  "owner",
  "collection_id",
  "metadata_uri",
  "created_at",
  "version"
])

/**
 * A column of a batch as one text[] parameter, cast to its type in SQL: an array parameter has a
 * single element type, and a column that is null in every row of the batch has none to infer.
 */
const asText = (value: unknown): string | null => {
  if (value === null || value === undefined) return null
  if (value instanceof Date) return value.toISOString()
  if (value instanceof Uint8Array) return `\\x${Buffer.from(value).toString("hex")}`
  return String(value)
}

const textArray = (values: ReadonlyArray<unknown>) =>
  Result.getOrThrow(PgTypes.array(values.map(asText), PgTypes.OID.text))

// Comparisons, not subtraction: a never-leased mint is due since -infinity.
const compare = <A extends number | string>(a: A, b: A) => (a < b ? -1 : a > b ? 1 : 0)

/**
 * What a transition can change. The request, ticket, metadata URI and creation time are fixed
 * when a mint is created (MintTransitions never touches them), so a save does not rewrite them:
 * a smaller statement, and no JSON re-parsed on every write.
 */
const savedColumns = mintColumns.filter((c) => !fixedColumns.has(c))

const quoted = (column: string) => `"${column}"`

/*
 * The hot statements (claim, save, saveMany) are written out once, with numbered parameters:
 * composing them from fragments on every call cost more than running them.
 */
const claimText = (statuses: string) => `
  UPDATE mints AS m SET
    status = 'minting',
    lease_owner = $1,
    lease_expires_at = $2,
    next_attempt_at = CASE WHEN m.status = 'pending' THEN NULL ELSE m.next_attempt_at END,
    version = m.version + 1,
    updated_at = $3
  FROM (
    SELECT id, due_at, created_at FROM mints
    WHERE ${statuses} AND due_at <= $3
    ORDER BY due_at, created_at, id
    LIMIT $4
    FOR UPDATE SKIP LOCKED
  ) AS picked
  WHERE m.id = picked.id
  RETURNING m.*, extract(epoch FROM picked.due_at)::float8 AS claimed_due`
const claimDue = claimText(`status IN ('pending', 'minting')`)
const claimInFlight = claimText(`status = 'minting'`)

const saveText = `
  UPDATE mints SET ${savedColumns.map((c, i) => `${quoted(c)} = $${i + 1}`).join(", ")},
    version = $${savedColumns.length + 1}
  WHERE id = $${savedColumns.length + 2} AND version = $${savedColumns.length + 3}
  RETURNING 1 AS saved`

/**
 * One statement for a whole batch, each column passed as one text[] parameter and unnested into
 * rows. It first locks every row still at its expected version (in id order, so two batches
 * cannot deadlock) and writes only if that is all of them: all or nothing without a transaction.
 */
const saveManyText = (() => {
  const columns = ["id", "expected_version", ...savedColumns]
  const types = ["text", "integer", ...savedColumns.map((c) => mintColumnTypes[c])]
  const arrays = types.map((type, i) => `$${i + 2}::text[]::${type}[]`).join(", ")
  return `
    WITH b AS (SELECT * FROM unnest(${arrays}) AS b(${columns.map(quoted).join(", ")})),
    current AS (
      SELECT m.id FROM mints AS m JOIN b ON m.id = b.id AND m.version = b.expected_version
      ORDER BY m.id
      FOR UPDATE OF m
    ),
    complete AS (SELECT count(*) = $1 AS ok FROM current)
    UPDATE mints AS m SET ${savedColumns.map((c) => `${quoted(c)} = b.${quoted(c)}`).join(", ")},
      version = b.expected_version + 1
    FROM b, complete
    WHERE complete.ok AND m.id = b.id AND m.version = b.expected_version
    RETURNING m.id`
})()

const attemptValues = (attempt: Attempt) => ({
  signature: attempt.signature,
  mint_id: attempt.mintId,
  attempt: attempt.attempt,
  last_valid_block_height: attempt.lastValidBlockHeight,
  wire: attempt.wire,
  tree: attempt.tree,
  outcome: attempt.outcome,
  created_at: R.toDate(attempt.createdAt),
  settled_at: R.toDateOrNull(attempt.settledAt)
})

/** What a save wrote: the mint it was given, at its next version (fixed columns are never rewritten). */
const written = (mint: Mint, version: number) => rebuild(Mint, { ...mint, version })

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient

  const selectOne = (rows: ReadonlyArray<R.Row>) => Option.map(Option.fromNullishOr(rows[0]), toMint)

  const createOne = Effect.fn("PostgresMintRepository.create")(function* (mint: Mint) {
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
    // Our own row, written by a batch statement before a later step of that batch failed.
    return { mint: toMint(found), created: String(found.id) === mint.id }
  }, orRepositoryError)

  class Create extends Request.Class<
    { readonly mint: Mint },
    { readonly mint: Mint; readonly created: boolean },
    RepositoryError,
    never
  > {}

  // Many creates, one INSERT of many rows. A ticket that already had a mint (or appears twice in
  // the batch) is not inserted; those are read back in one SELECT.
  const createResolver = RequestResolver.make<Create>((entries) =>
    Effect.gen(function* () {
      const inserted = yield* sql<R.Row>`
        INSERT INTO mints ${sql.insert(Batching.rows(entries.map((e) => mintValues(e.request.mint))))}
        ON CONFLICT (ticket_id) DO NOTHING
        RETURNING *`
      const insertedIds = new Set(inserted.map((row) => String(row.id)))
      const known = entries
        .filter((e) => !insertedIds.has(e.request.mint.id))
        .map((e) => e.request.mint.ticketId)
      const existing =
        known.length === 0 ? [] : yield* sql<R.Row>`SELECT * FROM mints WHERE ticket_id IN ${sql.in(known)}`
      const byId = new Map(inserted.map((row) => [String(row.id), row]))
      const byTicket = new Map(existing.map((row) => [String(row.ticket_id), row]))
      for (const entry of entries) {
        const mine = byId.get(entry.request.mint.id)
        const theirs = byTicket.get(entry.request.mint.ticketId)
        entry.completeUnsafe(
          mine !== undefined
            ? Exit.succeed({ mint: toMint(mine), created: true })
            : theirs !== undefined
              ? Exit.succeed({ mint: toMint(theirs), created: false })
              : Exit.die(new Error(`mint of ticket ${entry.request.mint.ticketId} vanished`))
        )
      }
    }).pipe(
      orRepositoryError,
      // One refused row (or a defect) fails only its own request: the others are written alone.
      Effect.catchCause(Batching.isolate(entries, (request) => createOne(request.mint)))
    )
  ).pipe(RequestResolver.setDelay(Batching.window), RequestResolver.batchN(Batching.maxBatch))

  const create = (mint: Mint) =>
    Effect.flatMap(Batching.inTransaction(sql), (inside) =>
      inside ? createOne(mint) : Effect.request(new Create({ mint }), createResolver)
    )

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
    const mints = rows.map(toMint)
    yield* warnRequestsFromColumns(mints)
    return pageOf(mints, limit, listCursor)
  }, orRepositoryError)

  const claim = Effect.fn("PostgresMintRepository.claim")(function* (options: ClaimOptions) {
    // As MintTransitions' Claimed event: a lease must end in the future, or nothing is claimed.
    if (options.limit <= 0 || !DateTime.isGreaterThan(options.leaseExpiresAt, options.now)) return []
    const rows = yield* sql.unsafe<R.Row>(options.inFlightOnly === true ? claimInFlight : claimDue, [
      options.owner,
      R.toDate(options.leaseExpiresAt),
      R.toDate(options.now),
      options.limit
    ])
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
    const rows = yield* sql.unsafe(saveText, [
      ...savedColumns.map((c) => values[c]),
      expectedVersion + 1,
      mint.id,
      expectedVersion
    ])
    if (rows.length > 0) return written(mint, expectedVersion + 1)
    const exists = yield* sql`SELECT 1 FROM mints WHERE id = ${mint.id}`
    return yield* Effect.fail(
      exists.length === 0 ? notFound("mint", mint.id) : staleVersion(mint.id, expectedVersion)
    )
  }, orRepositoryError)

  const saveMany = Effect.fn("PostgresMintRepository.saveMany")(function* (
    writes: ReadonlyArray<{ readonly mint: Mint; readonly expectedVersion: number }>
  ) {
    if (writes.length === 0) return []
    if (new Set(writes.map((w) => w.mint.id)).size !== writes.length) {
      return yield* Effect.die(new Error("saveMany: a mint appears twice in one batch"))
    }
    const values = writes.map((w) => mintValues(w.mint))
    const rows = yield* sql.unsafe<R.Row>(saveManyText, [
      writes.length,
      textArray(writes.map((w) => w.mint.id)),
      textArray(writes.map((w) => w.expectedVersion)),
      ...savedColumns.map((c) => textArray(values.map((v) => v[c])))
    ])
    if (rows.length === writes.length) return writes.map((w) => written(w.mint, w.expectedVersion + 1))
    // Nothing was written. Say why, for the first that was not where the caller thought.
    const stored = yield* sql<R.Row>`
      SELECT id, version FROM mints WHERE id IN ${sql.in(writes.map((w) => w.mint.id))}`
    const versions = new Map(stored.map((row) => [R.text(row, "id"), R.int(row, "version")]))
    const first = writes.find((w) => versions.get(w.mint.id) !== w.expectedVersion) ?? writes[0]!
    return yield* Effect.fail(
      versions.has(first.mint.id)
        ? staleVersion(first.mint.id, first.expectedVersion)
        : notFound("mint", first.mint.id)
    )
  }, orRepositoryError)

  const recordAttempts = Effect.fn("PostgresMintRepository.recordAttempts")(
    (attempts: ReadonlyArray<Attempt>) =>
      Batching.insertNew(sql, "mint_attempts", "signature", attempts.map(attemptValues)),
    orRepositoryError
  )
  const recordAttempt = (attempt: Attempt) => recordAttempts([attempt])

  const settleAttempts = Effect.fn("PostgresMintRepository.settleAttempts")(function* (
    signatures: ReadonlyArray<string>,
    outcome: AttemptOutcome,
    at: DateTime.Utc
  ) {
    if (signatures.length === 0) return
    const unique = [...new Set(signatures)]
    // All or nothing, as one statement: the update runs only when every signature is known.
    const rows = yield* sql<R.Row>`
      WITH known AS (SELECT signature FROM mint_attempts WHERE signature = ANY(${textArray(unique)}) FOR UPDATE),
      complete AS (SELECT count(*) = ${unique.length} AS ok FROM known)
      UPDATE mint_attempts AS a SET outcome = ${outcome}, settled_at = ${R.toDate(at)}
      FROM complete
      WHERE complete.ok AND a.signature = ANY(${textArray(unique)})
      RETURNING a.signature`
    if (rows.length === unique.length) return
    const found =
      yield* sql<R.Row>`SELECT signature FROM mint_attempts WHERE signature = ANY(${textArray(unique)})`
    const present = new Set(found.map((row) => R.text(row, "signature")))
    return yield* Effect.fail(notFound("attempt", unique.find((s) => !present.has(s)) ?? unique[0]!))
  }, orRepositoryError)

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

  const signaturesOf = Effect.fn("PostgresMintRepository.signaturesOf")(function* (
    mintIds: ReadonlyArray<string>
  ) {
    const out = new Map<string, Array<string>>()
    if (mintIds.length === 0) return out as ReadonlyMap<string, ReadonlyArray<string>>
    const rows = yield* sql<R.Row>`
      SELECT mint_id, signature FROM mint_attempts WHERE mint_id = ANY(${textArray(mintIds)})
      ORDER BY mint_id, created_at, attempt`
    for (const row of rows) {
      const id = R.text(row, "mint_id")
      const list = out.get(id) ?? []
      list.push(R.text(row, "signature"))
      out.set(id, list)
    }
    return out as ReadonlyMap<string, ReadonlyArray<string>>
  }, orRepositoryError)

  const scan = Effect.fn("PostgresMintRepository.scan")(function* (
    statuses: ReadonlyArray<MintStatus>,
    cursor: string | null,
    limit: number
  ) {
    const size = Math.max(0, limit)
    const wanted = new Set(statuses)
    if (wanted.size === 0) return { items: [], nextCursor: null }
    const after = cursor === null ? sql`TRUE` : sql`id > ${cursor}`
    // Each page reads only its own rows, so a scan of everything costs in proportion to the
    // table, not its square. With `status IN (...) AND id > $cursor` the planner took the
    // (status, id) index as a bitmap of every row past the cursor and sorted them for the
    // first 1,001: at 100,000 mints a reconciliation pass spent 9 s of PostgreSQL's CPU on it.
    // Every status: the primary key's order, no filter. Some: each status's run of the
    // (status, id) index, merged.
    const rows =
      wanted.size === mintStatuses.length
        ? yield* sql<R.Row>`SELECT * FROM mints WHERE ${after} ORDER BY id LIMIT ${size + 1}`
        : yield* sql<R.Row>`
            SELECT * FROM (${sql.join(
              " UNION ALL ",
              false
            )(
              [...wanted].map(
                (status) =>
                  sql`(SELECT * FROM mints WHERE status = ${status} AND ${after} ORDER BY id LIMIT ${size + 1})`
              )
            )}) AS page
            ORDER BY id
            LIMIT ${size + 1}`
    const mints = rows.map(toMint)
    yield* warnRequestsFromColumns(mints)
    return pageOf(mints, size, (m) => m.id)
  }, orRepositoryError)

  const countByStatus = Effect.fn("PostgresMintRepository.countByStatus")(function* () {
    const rows = yield* sql<R.Row>`SELECT status, count(*)::int AS n FROM mints GROUP BY status`
    const counts = Object.fromEntries(mintStatuses.map((s) => [s, 0])) as Record<MintStatus, number>
    for (const row of rows) counts[R.text(row, "status") as MintStatus] = R.int(row, "n")
    return counts
  }, orRepositoryError)

  const completedSince = Effect.fn("PostgresMintRepository.completedSince")(function* (
    since: DateTime.Utc,
    limit: number
  ) {
    const rows = yield* sql<R.Row>`
      SELECT created_at, completed_at FROM mints
      WHERE status = 'completed' AND completed_at >= ${R.toDate(since)}
      ORDER BY completed_at DESC LIMIT ${Math.max(0, limit)}`
    return rows.map(
      (row): CompletionStats.Completion => ({
        createdAt: DateTime.toEpochMillis(R.time(row, "created_at")),
        completedAt: DateTime.toEpochMillis(R.time(row, "completed_at"))
      })
    )
  }, orRepositoryError)

  return MintRepository.of({
    create,
    get,
    findByTicket,
    findBySignature,
    signaturesOf,
    findByAssetId,
    list,
    claim,
    save,
    saveMany,
    recordAttempt,
    recordAttempts,
    settleAttempt,
    settleAttempts,
    attempts,
    scan,
    countByStatus,
    completedSince
  })
})

export const layer: Layer.Layer<MintRepository, never, SqlClient.SqlClient> = Layer.effect(
  MintRepository,
  make
)
