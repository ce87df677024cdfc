/**
 * The tree replica in three tables: `tree_replicas` (how far each tree's replica has come),
 * `tree_nodes` (every node written, by heap index: what the root check and proofs read) and
 * `tree_leaves` (each leaf's current state and its mint). A page of changes is one transaction.
 */

import { PgTypes } from "@effect/sql-pg"
import {
  type LeafQuery,
  type Page,
  ReplicaLeaf,
  type ReplicaLeafState,
  ReplicaRepository,
  type ReplicaState,
  type ReplicaUpdate,
  rebuild
} from "@tickettoken/minting-core"
import { Effect, Layer, Option, Result } from "effect"
import { SqlClient, type Statement } from "effect/sql"
import * as R from "./Rows.ts"
import { orRepositoryError, transaction } from "./SqlErrors.ts"

/**
 * Column values as one array parameter. A page's rows are written, and its keys looked up, as a
 * handful of arrays unnested by the server, not as a parameter per value: at 19 columns a page
 * of 1,000 leaves was 19,000 parameters, each inferred and encoded by the client and bound and
 * planned by the server (a cold pass over 10,000 mints spent more of its database time there
 * than anywhere else).
 */
const arrayOf = (oid: number) => (values: ReadonlyArray<unknown>) =>
  Result.getOrThrow(PgTypes.array([...values], oid))
const textArray = arrayOf(PgTypes.OID.text)
const bigints = arrayOf(PgTypes.OID.int8)
/** The codec takes int8 as bigint only; indexes, nonces, slots and sequence numbers are safe integers. */
const int8Array = (values: ReadonlyArray<unknown>) =>
  bigints(values.map((v) => (v === null ? null : BigInt(v as number))))
const byteaArray = arrayOf(PgTypes.OID.bytea)

/** Rows of our own schema: rebuilt without parsing each field again (a pass reads every leaf). */
const toLeaf = (row: R.Row) =>
  rebuild(ReplicaLeaf, {
    tree: R.text(row, "tree"),
    leafIndex: R.int(row, "leaf_index"),
    leafHash: R.text(row, "leaf_hash"),
    state: R.text(row, "state") as ReplicaLeafState,
    assetId: R.textOrNull(row, "asset_id"),
    owner: R.textOrNull(row, "owner"),
    delegate: R.textOrNull(row, "delegate"),
    nonce: R.intOrNull(row, "nonce"),
    dataHash: R.textOrNull(row, "data_hash"),
    creatorHash: R.textOrNull(row, "creator_hash"),
    mintedSignature: R.textOrNull(row, "minted_signature"),
    mintedSlot: R.intOrNull(row, "minted_slot"),
    mintedOwner: R.textOrNull(row, "minted_owner"),
    mintedDataHash: R.textOrNull(row, "minted_data_hash"),
    mintedCreatorHash: R.textOrNull(row, "minted_creator_hash"),
    mintedUri: R.textOrNull(row, "minted_uri"),
    ticketId: R.textOrNull(row, "ticket_id"),
    lastSignature: R.text(row, "last_signature"),
    lastSeq: R.int(row, "last_seq")
  })

/** tree_leaves' columns but the tree, each with how a leaf gives it and its array type. */
const leafColumns: ReadonlyArray<
  readonly [column: string, value: (leaf: ReplicaLeaf) => unknown, array: typeof textArray]
> = [
  ["leaf_index", (l) => l.leafIndex, int8Array],
  ["leaf_hash", (l) => l.leafHash, textArray],
  ["state", (l) => l.state, textArray],
  ["asset_id", (l) => l.assetId, textArray],
  ["owner", (l) => l.owner, textArray],
  ["delegate", (l) => l.delegate, textArray],
  ["nonce", (l) => l.nonce, int8Array],
  ["data_hash", (l) => l.dataHash, textArray],
  ["creator_hash", (l) => l.creatorHash, textArray],
  ["minted_signature", (l) => l.mintedSignature, textArray],
  ["minted_slot", (l) => l.mintedSlot, int8Array],
  ["minted_owner", (l) => l.mintedOwner, textArray],
  ["minted_data_hash", (l) => l.mintedDataHash, textArray],
  ["minted_creator_hash", (l) => l.mintedCreatorHash, textArray],
  ["minted_uri", (l) => l.mintedUri, textArray],
  ["ticket_id", (l) => l.ticketId, textArray],
  ["last_signature", (l) => l.lastSignature, textArray],
  ["last_seq", (l) => l.lastSeq, int8Array]
]
const leafColumnList = leafColumns.map(([column]) => column).join(", ")
/** A leaf is written whole: every column but the key, as `column = excluded.column`. */
const leafUpdate = leafColumns
  .filter(([column]) => column !== "leaf_index")
  .map(([column]) => `${column} = excluded.${column}`)
  .join(", ")
const cursorOf = (leaf: ReplicaLeaf) => `${leaf.tree}:${leaf.leafIndex}`

export const make: Effect.Effect<ReplicaRepository["Service"], never, SqlClient.SqlClient> = Effect.gen(
  function* () {
    const sql = yield* SqlClient.SqlClient

    const state = Effect.fn("PostgresReplicaRepository.state")(function* (tree: string) {
      const rows = yield* sql<R.Row>`SELECT * FROM tree_replicas WHERE tree = ${tree}`
      const row = rows[0]
      const result: ReplicaState =
        row === undefined
          ? { tree, seq: null, root: null, checkpoint: null }
          : {
              tree,
              seq: R.intOrNull(row, "seq"),
              root: R.textOrNull(row, "root"),
              checkpoint: R.textOrNull(row, "checkpoint_signature")
            }
      return result
    }, orRepositoryError)

    const nodes = Effect.fn("PostgresReplicaRepository.nodes")(function* (
      tree: string,
      indexes: ReadonlyArray<number>
    ) {
      const out = new Map<number, Uint8Array>()
      if (indexes.length === 0) return out as ReadonlyMap<number, Uint8Array>
      const rows = yield* sql<R.Row>`
      SELECT t.node_index, t.hash FROM unnest(${int8Array(indexes)}) AS k(v)
      JOIN tree_nodes t ON t.tree = ${tree} AND t.node_index = k.v`
      for (const row of rows) out.set(R.int(row, "node_index"), R.bytes(row, "hash"))
      return out as ReadonlyMap<number, Uint8Array>
    }, orRepositoryError)

    const leaves = Effect.fn("PostgresReplicaRepository.leaves")(function* (
      tree: string,
      indexes: ReadonlyArray<number>
    ) {
      const out = new Map<number, ReplicaLeaf>()
      if (indexes.length === 0) return out as ReadonlyMap<number, ReplicaLeaf>
      const rows = yield* sql<R.Row>`
      SELECT t.* FROM unnest(${int8Array(indexes)}) AS k(v)
      JOIN tree_leaves t ON t.tree = ${tree} AND t.leaf_index = k.v`
      for (const row of rows) out.set(R.int(row, "leaf_index"), toLeaf(row))
      return out as ReadonlyMap<number, ReplicaLeaf>
    }, orRepositoryError)

    /**
     * A replica grows by thousands of rows a pass while it is first read, faster than autovacuum
     * refreshes the planner's statistics, and on statistics of a near-empty table the leaf
     * lookups were planned as scans of the whole table (a page's cost growing with the tree).
     * So the tables are analyzed whenever this process has written as many leaves as they held
     * at the last analysis (at least 1,000): a handful of times while a tree is first read,
     * seldom after.
     */
    let writtenSinceAnalyze = 0
    let analyzedSize = 0
    const analyzeWhenGrown = (written: number) =>
      Effect.suspend(() => {
        writtenSinceAnalyze += written
        if (writtenSinceAnalyze < Math.max(1_000, analyzedSize)) return Effect.void
        analyzedSize += writtenSinceAnalyze
        writtenSinceAnalyze = 0
        return Effect.asVoid(sql`ANALYZE tree_leaves, tree_nodes`)
      })

    const apply = Effect.fn("PostgresReplicaRepository.apply")(
      (tree: string, update: ReplicaUpdate) =>
        Effect.andThen(
          transaction(
            sql,
            Effect.gen(function* () {
              if (update.nodes.length > 0) {
                yield* sql`
                INSERT INTO tree_nodes (tree, node_index, hash)
                SELECT ${tree}, n.node_index, n.hash
                FROM unnest(${int8Array(update.nodes.map(([index]) => index))},
                  ${byteaArray(update.nodes.map(([, hash]) => hash))}) AS n(node_index, hash)
                ON CONFLICT (tree, node_index) DO UPDATE SET hash = excluded.hash`
              }
              if (update.leaves.length > 0) {
                const columns = leafColumns.map(([, value, array]) => sql`${array(update.leaves.map(value))}`)
                yield* sql`
                INSERT INTO tree_leaves (tree, ${sql.literal(leafColumnList)})
                SELECT ${tree}, l.* FROM unnest(${sql.csv(columns)}) AS l(${sql.literal(leafColumnList)})
                ON CONFLICT (tree, leaf_index) DO UPDATE SET ${sql.literal(leafUpdate)}`
              }
              yield* sql`
            INSERT INTO tree_replicas ${sql.insert({
              tree,
              seq: update.seq,
              root: update.root,
              checkpoint_signature: update.checkpoint
            })}
            ON CONFLICT (tree) DO UPDATE SET seq = excluded.seq, root = excluded.root,
              checkpoint_signature = excluded.checkpoint_signature, updated_at = now()`
            })
          ),
          analyzeWhenGrown(update.leaves.length)
        ),
      orRepositoryError
    )

    const reset = Effect.fn("PostgresReplicaRepository.reset")(
      (tree: string) =>
        transaction(
          sql,
          Effect.gen(function* () {
            yield* sql`DELETE FROM tree_nodes WHERE tree = ${tree}`
            yield* sql`DELETE FROM tree_leaves WHERE tree = ${tree}`
            yield* sql`DELETE FROM tree_replicas WHERE tree = ${tree}`
          })
        ),
      orRepositoryError
    )

    const find = Effect.fn("PostgresReplicaRepository.find")(function* (query: LeafQuery) {
      // Each list is one text[] parameter: a pass asks for a page's thousands of keys at once,
      // and as many bind parameters cost more to send and plan than the lookups themselves.
      // Each list is joined to its index through unnest: with `col = ANY(<1,000 keys>)` the
      // planner chose a scan of the whole table, a page's cost growing with the tree (43 ms a
      // page at 100,000 leaves, so the pass went quadratic); the joins probe the indexes.
      const parts: Array<Statement.Fragment> = []
      const by = (column: string, keys: ReadonlyArray<string> | undefined) => {
        if ((keys?.length ?? 0) === 0) return
        parts.push(
          sql`SELECT t.* FROM unnest(${textArray(keys!)}) AS k(v) JOIN tree_leaves t ON t.${sql(column)} = k.v`
        )
      }
      by("minted_signature", query.signatures)
      by("asset_id", query.assetIds)
      by("ticket_id", query.ticketIds)
      if (parts.length === 0) return []
      // UNION: a leaf found by several keys comes back once.
      const rows = yield* sql<R.Row>`${sql.join(" UNION ", false)(parts)}`
      return rows.map(toLeaf)
    }, orRepositoryError)

    const findByAssetId = Effect.fn("PostgresReplicaRepository.findByAssetId")(
      (assetId: string) =>
        Effect.map(sql<R.Row>`SELECT * FROM tree_leaves WHERE asset_id = ${assetId} LIMIT 1`, (rows) =>
          Option.map(Option.fromNullishOr(rows[0]), toLeaf)
        ),
      orRepositoryError
    )

    const countLeaves = Effect.fn("PostgresReplicaRepository.countLeaves")(function* () {
      const rows = yield* sql<R.Row>`SELECT count(*)::int AS n FROM tree_leaves`
      return R.int(rows[0]!, "n")
    }, orRepositoryError)

    const scan = Effect.fn("PostgresReplicaRepository.scan")(function* (
      cursor: string | null,
      limit: number
    ) {
      const size = Math.max(0, limit)
      let after = sql`TRUE`
      if (cursor !== null) {
        const at = cursor.lastIndexOf(":")
        after = sql`(tree, leaf_index) > (${cursor.slice(0, at)}, ${Number(cursor.slice(at + 1))})`
      }
      const rows = yield* sql<R.Row>`
      SELECT * FROM tree_leaves WHERE ${after} ORDER BY tree, leaf_index LIMIT ${size + 1}`
      const items = rows.slice(0, size).map(toLeaf)
      const last = items.at(-1)
      const page: Page<ReplicaLeaf> = {
        items,
        nextCursor: rows.length > size && last !== undefined ? cursorOf(last) : null
      }
      return page
    }, orRepositoryError)

    return ReplicaRepository.of({
      state,
      nodes,
      leaves,
      apply,
      reset,
      find,
      findByAssetId,
      countLeaves,
      scan
    })
  }
)

export const layer: Layer.Layer<ReplicaRepository, never, SqlClient.SqlClient> = Layer.effect(
  ReplicaRepository,
  make
)
