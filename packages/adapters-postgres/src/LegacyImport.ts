/**
 * `pnpm migrate:legacy`: the old minting service's rows (`nft_mints`, the knex models' `mints`,
 * `nfts` and `collections`, and `reconciliation_reports`, wherever they exist in `legacySchema`)
 * imported into the service's schema. Its chain calls were mocked, so nothing imported is
 * trusted: one mint per ticket in the `imported` status, remembering what the old service
 * claimed, every signature it recorded kept as an attempt (so the reconciler reads its status),
 * every old row kept whole in `legacy_evidence`, collections with their supplies.
 *
 * A dry run by default: it reads, plans and reports, and writes nothing. `apply` writes in
 * batches, each in its own transaction, and every insert skips what is there already, so a
 * second run adds nothing and a run cut short resumes where it stopped. The old tables are only
 * ever read.
 */

import { PgTypes } from "@effect/sql-pg"
import { Base58, LegacyImport, Mint, MintRequest } from "@tickettoken/minting-core"
import { DateTime, Effect, Result, Schema } from "effect"
import { SqlClient } from "effect/sql"
import { mintValues } from "./MintRows.ts"

export interface ImportOptions {
  /** Where the old tables are; default `public`. */
  readonly legacySchema?: string | undefined
  /** Write; false (the default) only reports what a run would do. */
  readonly apply?: boolean | undefined
  /** Tickets per transaction. */
  readonly batchSize?: number | undefined
}

type OldRow = Record<string, unknown>

export const legacyTables = ["nft_mints", "mints", "nfts", "collections", "reconciliation_reports"] as const
export type LegacyTable = (typeof legacyTables)[number]

/** A Solana transaction signature: 64 bytes in base58. The old service's mocks are not. */
export const isSignature = (text: string): boolean => Base58.decode(text)?.length === 64

export interface TicketPlan {
  readonly ticketId: string
  readonly claimed: LegacyImport.LegacyStatus
  /** Real signatures (64 bytes): kept as attempts, so the reconciler reads their status. */
  readonly signatures: ReadonlyArray<string>
  /** What the old service recorded as a signature but is none (its mocks): evidence only. */
  readonly notSignatures: ReadonlyArray<string>
  readonly owner: string
  readonly collectionId: string | null
  readonly metadataUri: string
  readonly createdAt: Date
  /** Where it came from: `table:id` of every old row about it. */
  readonly sources: ReadonlyArray<string>
  readonly merkleTree: string | null
}

export interface ImportReport {
  readonly apply: boolean
  readonly legacySchema: string
  /** Rows per old table; null when the table does not exist. */
  readonly sourceRows: Readonly<Record<LegacyTable, number | null>>
  readonly tickets: number
  readonly byClaimedStatus: Readonly<Record<string, number>>
  readonly signatures: number
  /** Values recorded as signatures that are none (the old service's mocks). */
  readonly notSignatures: number
  readonly ownersUnknown: number
  readonly mints: { readonly toCreate: number; readonly created: number; readonly present: number }
  readonly collections: { readonly toCreate: number; readonly created: number; readonly present: number }
  readonly evidence: { readonly toCreate: number; readonly created: number; readonly present: number }
  /** Old rows that cannot become a mint (their ticket id is not one this service accepts). */
  readonly refused: ReadonlyArray<{ readonly source: string; readonly reason: string }>
}

const text = (value: unknown): string | null =>
  value === null || value === undefined ? null : String(value).trim() === "" ? null : String(value).trim()

const date = (value: unknown): Date | null => {
  if (value === null || value === undefined) return null
  const parsed = new Date(String(value))
  return Number.isNaN(parsed.getTime()) ? null : parsed
}

const int = (value: unknown): number | null => {
  const n = Number(value)
  return value === null || value === undefined || !Number.isSafeInteger(n) ? null : n
}

/** Stronger claims win when two old tables disagree about one ticket. */
const strength: Record<LegacyImport.LegacyStatus, number> = {
  completed: 5,
  missing_on_chain: 4,
  minting: 3,
  failed: 2,
  pending: 1,
  other: 0
}

const isTicketId = Schema.is(MintRequest.fields.ticketId)

const sourceKey = (table: LegacyTable, row: OldRow, index: number) =>
  `${table}:${text(row.id) ?? `row-${index}`}`

/**
 * The plan, from the old rows: pure, so the mapping is tested without a database. Each ticket
 * named by `nft_mints` or `mints` becomes one mint; `nfts` give owners and collections.
 */
export const plan = (rows: Readonly<Record<LegacyTable, ReadonlyArray<OldRow> | null>>) => {
  const refused: Array<{ source: string; reason: string }> = []
  const collectionsByAddress = new Map<string, string>()
  for (const collection of rows.collections ?? []) {
    const id = text(collection.id)
    const address = text(collection.contract_address)
    if (id !== null && address !== null) collectionsByAddress.set(address, id)
  }
  const nftsById = new Map<string, OldRow>()
  const nftsByToken = new Map<string, OldRow>()
  for (const nft of rows.nfts ?? []) {
    const id = text(nft.id)
    const token = text(nft.token_id)
    if (id !== null) nftsById.set(id, nft)
    if (token !== null) nftsByToken.set(token, nft)
  }

  interface Gathering {
    claimed: LegacyImport.LegacyStatus
    signatures: Set<string>
    nft: OldRow | undefined
    metadataUri: string | null
    createdAt: Date | null
    sources: Array<string>
    merkleTree: string | null
  }
  const tickets = new Map<string, Gathering>()
  const gather = (
    table: LegacyTable,
    row: OldRow,
    index: number,
    fields: {
      status: unknown
      signature: unknown
      nft: OldRow | undefined
      metadataUri: unknown
      merkleTree: unknown
    }
  ) => {
    const source = sourceKey(table, row, index)
    const ticketId = text(row.ticket_id)
    if (ticketId === null || !isTicketId(ticketId)) {
      refused.push({
        source,
        reason: `ticket id ${JSON.stringify(row.ticket_id)} is not one this service accepts`
      })
      return
    }
    const entry = tickets.get(ticketId) ?? {
      claimed: "other" as LegacyImport.LegacyStatus,
      signatures: new Set<string>(),
      nft: undefined,
      metadataUri: null,
      createdAt: null,
      sources: [],
      merkleTree: null
    }
    const claimed = LegacyImport.legacyStatus(text(fields.status))
    if (strength[claimed] > strength[entry.claimed]) entry.claimed = claimed
    const signature = text(fields.signature)
    if (signature !== null) entry.signatures.add(signature)
    entry.nft ??= fields.nft
    entry.metadataUri ??= text(fields.metadataUri)
    entry.merkleTree ??= text(fields.merkleTree)
    const created = date(row.created_at)
    if (created !== null && (entry.createdAt === null || created < entry.createdAt)) entry.createdAt = created
    entry.sources.push(source)
    tickets.set(ticketId, entry)
  }
  for (const [i, row] of (rows.nft_mints ?? []).entries()) {
    gather("nft_mints", row, i, {
      status: row.status,
      signature: row.transaction_signature,
      nft: nftsByToken.get(text(row.mint_address) ?? ""),
      metadataUri: row.metadata_uri,
      merkleTree: row.merkle_tree
    })
  }
  for (const [i, row] of (rows.mints ?? []).entries()) {
    gather("mints", row, i, {
      status: row.status,
      signature: row.transaction_hash,
      nft: nftsById.get(text(row.nft_id) ?? ""),
      metadataUri: null,
      merkleTree: null
    })
  }

  const planned: Array<TicketPlan> = [...tickets.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([ticketId, g]) => {
      const ownerText = text(g.nft?.owner_address)
      const owner =
        ownerText !== null && Base58.isPublicKey(ownerText) ? ownerText : LegacyImport.unknownOwner
      const address = text(g.nft?.contract_address)
      return {
        ticketId,
        claimed: g.claimed,
        signatures: [...g.signatures].filter(isSignature).sort(),
        notSignatures: [...g.signatures].filter((s) => !isSignature(s)).sort(),
        owner,
        collectionId: address === null ? null : (collectionsByAddress.get(address) ?? null),
        metadataUri: g.metadataUri ?? text(g.nft?.metadata_uri) ?? "",
        createdAt: g.createdAt ?? new Date(0),
        sources: g.sources,
        merkleTree: g.merkleTree
      }
    })
  return { tickets: planned, refused }
}

/** The imported mint of one ticket, as this service's aggregate (validated by its schema). */
export const toMint = (ticket: TicketPlan, id: string, now: DateTime.Utc): Mint => {
  const createdAt = DateTime.fromDateUnsafe(ticket.createdAt)
  const notes = [
    ticket.signatures.length === 0 ? "no signature" : `${ticket.signatures.length} signature(s)`,
    ...(ticket.notSignatures.length === 0
      ? []
      : [`${ticket.notSignatures.length} recorded value(s) that are no Solana signature (mocked sends)`]),
    ...(ticket.owner === LegacyImport.unknownOwner ? ["owner unknown"] : []),
    `from ${ticket.sources.join(", ")}`
  ]
  return new Mint({
    id,
    ticketId: ticket.ticketId,
    request: new MintRequest({
      ticketId: ticket.ticketId,
      // The old tables keep neither: the platform's order and event stay with the platform.
      orderId: "legacy-unknown",
      eventId: "legacy-unknown",
      owner: ticket.owner,
      ...(ticket.collectionId === null ? {} : { collectionId: ticket.collectionId })
    }),
    metadataUri: ticket.metadataUri,
    status: "imported",
    attempts: 0,
    maxAttempts: 3,
    nextAttemptAt: null,
    lease: null,
    transaction: null,
    asset: null,
    failure: LegacyImport.importedFailure(ticket.claimed, notes.join("; ")),
    version: 1,
    createdAt,
    updatedAt: now,
    completedAt: null
  })
}

const exists = (sql: SqlClient.SqlClient, schema: string, table: string) =>
  Effect.map(
    sql<{ found: boolean }>`SELECT to_regclass(${`${schema}.${table}`}) IS NOT NULL AS found`,
    (rows) => rows[0]?.found === true
  )

/** Every row of an old table as JSON (whatever columns it has), in a stable order. */
const readAll = (sql: SqlClient.SqlClient, schema: string, table: string) =>
  Effect.map(
    sql.unsafe<{ row: OldRow }>(
      `SELECT to_jsonb(t) AS row FROM ${schema}.${table} t ORDER BY to_jsonb(t)->>'id'`
    ),
    (rows) => rows.map((r) => (typeof r.row === "string" ? (JSON.parse(r.row) as OldRow) : r.row))
  )

const identifier = /^[a-z_][a-z0-9_]{0,62}$/

const textArray = (values: ReadonlyArray<string>) =>
  Result.getOrThrow(PgTypes.array(values, PgTypes.OID.text))

export const run = Effect.fn("LegacyImport.run")(function* (options: ImportOptions = {}) {
  const sql = yield* SqlClient.SqlClient
  const legacySchema = options.legacySchema ?? "public"
  if (!identifier.test(legacySchema)) {
    return yield* Effect.die(new Error(`--legacy-schema "${legacySchema}" is not a plain PostgreSQL name`))
  }
  const apply = options.apply === true
  const batchSize = Math.max(1, options.batchSize ?? 200)
  const now = yield* DateTime.now

  const rows = {} as Record<LegacyTable, ReadonlyArray<OldRow> | null>
  for (const table of legacyTables) {
    rows[table] = (yield* exists(sql, legacySchema, table)) ? yield* readAll(sql, legacySchema, table) : null
  }
  const { tickets, refused } = plan(rows)

  // What is there already: a second run, or a ticket this service minted itself.
  const ticketIds = tickets.map((t) => t.ticketId)
  const present = new Map(
    (yield* sql<{ ticket_id: string; id: string }>`
      SELECT ticket_id, id FROM mints WHERE ticket_id = ANY(${textArray(ticketIds)})`).map(
      (r) => [r.ticket_id, r.id] as const
    )
  )
  const collections = rows.collections ?? []
  const collectionIds = collections.flatMap((c) => (text(c.id) === null ? [] : [text(c.id)!]))
  const presentCollections = new Set(
    (yield* sql<{ id: string }>`SELECT id FROM collections WHERE id = ANY(${textArray(collectionIds)})`).map(
      (r) => r.id
    )
  )
  const evidence: Array<{ table: LegacyTable; key: string; row: OldRow; ticketId: string | null }> = []
  for (const table of legacyTables) {
    for (const [i, row] of (rows[table] ?? []).entries()) {
      evidence.push({
        table,
        key: sourceKey(table, row, i).slice(table.length + 1),
        row,
        ticketId: text(row.ticket_id)
      })
    }
  }
  const presentEvidence = new Set(
    (yield* sql<{ key: string }>`SELECT source_table || ':' || source_id AS key FROM legacy_evidence`).map(
      (r) => r.key
    )
  )

  let mintsCreated = 0
  let collectionsCreated = 0
  let evidenceCreated = 0
  if (apply) {
    // Collections first: imported mints name them.
    yield* sql.withTransaction(
      Effect.forEach(
        collections,
        Effect.fnUntraced(function* (c) {
          const id = text(c.id)
          if (id === null || presentCollections.has(id)) return
          const current = Math.max(0, int(c.current_supply) ?? 0)
          const max = int(c.max_supply)
          const inserted = yield* sql`
            INSERT INTO collections ${sql.insert({
              id,
              name: text(c.name) ?? id,
              symbol: text(c.symbol) ?? "",
              collection_mint: text(c.contract_address),
              blockchain: text(c.blockchain) ?? "solana",
              // The old supply may exceed its maximum; the maximum then grows to it.
              max_supply: max === null ? null : Math.max(max, current),
              current_supply: current,
              created_at: date(c.created_at) ?? new Date(0)
            })}
            ON CONFLICT (id) DO NOTHING RETURNING id`
          collectionsCreated += inserted.length
        }),
        { discard: true }
      )
    )
    const mintIds = new Map(present)
    for (let start = 0; start < tickets.length; start += batchSize) {
      const batch = tickets.slice(start, start + batchSize)
      yield* sql.withTransaction(
        Effect.forEach(
          batch,
          Effect.fnUntraced(function* (ticket) {
            if (mintIds.has(ticket.ticketId)) return
            const mint = toMint(ticket, `legacy-${globalThis.crypto.randomUUID()}`, now)
            const inserted = yield* sql<{ id: string }>`
              INSERT INTO mints ${sql.insert(mintValues(mint))}
              ON CONFLICT (ticket_id) DO NOTHING RETURNING id`
            if (inserted.length === 0) return
            mintsCreated++
            mintIds.set(ticket.ticketId, mint.id)
            for (const [i, signature] of ticket.signatures.entries()) {
              // Kept as an attempt, so the reconciler reads its status as for any signature.
              yield* sql`
                INSERT INTO mint_attempts ${sql.insert({
                  signature,
                  mint_id: mint.id,
                  attempt: i,
                  last_valid_block_height: 0,
                  wire: new Uint8Array(0),
                  tree: ticket.merkleTree ?? "legacy",
                  outcome: "sent",
                  created_at: ticket.createdAt,
                  settled_at: null
                })}
                ON CONFLICT (signature) DO NOTHING`
            }
          }),
          { discard: true }
        )
      )
    }
    for (let start = 0; start < evidence.length; start += batchSize) {
      const batch = evidence.slice(start, start + batchSize)
      yield* sql.withTransaction(
        Effect.forEach(
          batch,
          Effect.fnUntraced(function* (e) {
            if (presentEvidence.has(`${e.table}:${e.key}`)) return
            const inserted = yield* sql`
              INSERT INTO legacy_evidence ${sql.insert({
                source_table: e.table,
                source_id: e.key,
                ticket_id: e.ticketId,
                mint_id: e.ticketId === null ? null : (mintIds.get(e.ticketId) ?? null),
                collection_id: e.table === "collections" ? text(e.row.id) : null,
                row_data: JSON.stringify(e.row),
                imported_at: DateTime.toDateUtc(now)
              })}
              ON CONFLICT (source_table, source_id) DO NOTHING RETURNING source_id`
            evidenceCreated += inserted.length
          }),
          { discard: true }
        )
      )
    }
  }

  const byClaimedStatus: Record<string, number> = {}
  for (const t of tickets) byClaimedStatus[t.claimed] = (byClaimedStatus[t.claimed] ?? 0) + 1
  const sourceRows = Object.fromEntries(legacyTables.map((t) => [t, rows[t]?.length ?? null])) as Record<
    LegacyTable,
    number | null
  >
  const report: ImportReport = {
    apply,
    legacySchema,
    sourceRows,
    tickets: tickets.length,
    byClaimedStatus,
    signatures: tickets.reduce((n, t) => n + t.signatures.length, 0),
    notSignatures: tickets.reduce((n, t) => n + t.notSignatures.length, 0),
    ownersUnknown: tickets.filter((t) => t.owner === LegacyImport.unknownOwner).length,
    mints: {
      toCreate: tickets.filter((t) => !present.has(t.ticketId)).length,
      created: mintsCreated,
      present: tickets.filter((t) => present.has(t.ticketId)).length
    },
    collections: {
      toCreate: collectionIds.filter((id) => !presentCollections.has(id)).length,
      created: collectionsCreated,
      present: collectionIds.filter((id) => presentCollections.has(id)).length
    },
    evidence: {
      toCreate: evidence.filter((e) => !presentEvidence.has(`${e.table}:${e.key}`)).length,
      created: evidenceCreated,
      present: evidence.filter((e) => presentEvidence.has(`${e.table}:${e.key}`)).length
    },
    refused
  }
  return report
})
