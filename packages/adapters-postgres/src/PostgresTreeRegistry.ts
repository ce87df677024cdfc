import {
  ConstraintViolated,
  notFound,
  RepositoryError,
  rotationThreshold,
  Tree,
  TreeRegistry,
  type TreeStatus
} from "@tickettoken/minting-core"
import { Effect, Exit, Layer, Option, Request, RequestResolver } from "effect"
import { SqlClient, type Statement } from "effect/sql"
import * as Batching from "./Batching.ts"
import * as R from "./Rows.ts"
import { orRepositoryError, transaction } from "./SqlErrors.ts"

const toTree = (row: R.Row) =>
  new Tree({
    address: R.text(row, "address"),
    maxDepth: R.int(row, "max_depth"),
    maxBufferSize: R.int(row, "max_buffer_size"),
    canopyDepth: R.int(row, "canopy_depth"),
    capacity: R.int(row, "capacity"),
    minted: R.int(row, "minted"),
    status: R.text(row, "status") as TreeStatus,
    createdAt: R.time(row, "created_at")
  })

/** A read of the active tree, shared by the callers that ask for it at the same moment. */
class ReadActive extends Request.Class<{}, Option.Option<Tree>, RepositoryError, never> {}

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient

  const readActive = Effect.map(sql<R.Row>`SELECT * FROM trees WHERE status = 'active'`, (rows) =>
    Option.map(Option.fromNullishOr(rows[0]), toTree)
  ).pipe(orRepositoryError)

  // Every mint being signed asks which tree to mint into, and a claimed batch asks at once: one
  // statement answers them all. Each read still starts after every question it answers was asked.
  const activeResolver = RequestResolver.make<ReadActive>((entries) =>
    Effect.matchCauseEffect(readActive, {
      onSuccess: (tree) =>
        Effect.sync(() => {
          for (const entry of entries) entry.completeUnsafe(Exit.succeed(tree))
        }),
      onFailure: Batching.failAll(entries)
    })
  ).pipe(RequestResolver.setDelay(Batching.window), RequestResolver.batchN(Batching.maxBatch))

  // Changes of the active tree queue behind one lock, so each sees the one before it and the
  // single-active index never has to refuse a rotation.
  const rotating = <A, E, R>(self: Effect.Effect<A, E, R>) =>
    transaction(
      sql,
      Effect.andThen(sql`SELECT pg_advisory_xact_lock(hashtext('tickettoken.trees.active'))`, self)
    )

  const touch = (address: string, change: Statement.Fragment) =>
    Effect.flatMap(
      sql`UPDATE trees SET ${change}, updated_at = now() WHERE address = ${address} RETURNING address`,
      (rows) => (rows.length === 0 ? Effect.fail(notFound("tree", address)) : Effect.void)
    )

  return TreeRegistry.of({
    register: Effect.fn("PostgresTreeRegistry.register")(
      (tree: Tree) =>
        rotating(
          Effect.gen(function* () {
            if (tree.status === "active") {
              yield* sql`UPDATE trees SET status = 'standby', updated_at = now() WHERE status = 'active'`
            }
            yield* sql`INSERT INTO trees ${sql.insert({
              address: tree.address,
              max_depth: tree.maxDepth,
              max_buffer_size: tree.maxBufferSize,
              canopy_depth: tree.canopyDepth,
              capacity: tree.capacity,
              minted: tree.minted,
              status: tree.status,
              created_at: R.toDate(tree.createdAt)
            })}`
          })
        ),
      orRepositoryError
    ),
    active: Effect.flatMap(Batching.inTransaction(sql), (inside) =>
      inside ? readActive : Effect.request(new ReadActive(), activeResolver)
    ),
    activate: Effect.fn("PostgresTreeRegistry.activate")(
      (address: string) =>
        rotating(
          Effect.gen(function* () {
            const target = yield* sql<R.Row>`SELECT status FROM trees WHERE address = ${address} FOR UPDATE`
            if (target.length === 0) return yield* Effect.fail(notFound("tree", address))
            if (R.text(target[0]!, "status") === "lost") {
              return yield* new RepositoryError({
                reason: new ConstraintViolated({
                  constraint: "trees_lost",
                  message: `tree ${address} is lost: the chain no longer holds it`
                })
              })
            }
            yield* sql`
              UPDATE trees SET
                status = CASE WHEN capacity = 0 OR minted::float8 / capacity >= ${rotationThreshold}
                              THEN 'full' ELSE 'standby' END,
                updated_at = now()
              WHERE status = 'active' AND address <> ${address}`
            yield* sql`UPDATE trees SET status = 'active', updated_at = now() WHERE address = ${address}`
          })
        ),
      orRepositoryError
    ),
    markFull: Effect.fn("PostgresTreeRegistry.markFull")(
      (address: string) =>
        touch(address, sql`status = CASE WHEN status = 'lost' THEN 'lost' ELSE 'full' END`),
      orRepositoryError
    ),
    markLost: Effect.fn("PostgresTreeRegistry.markLost")(
      (address: string) => rotating(touch(address, sql`status = 'lost', lost_at = COALESCE(lost_at, now())`)),
      orRepositoryError
    ),
    recordMinted: Effect.fn("PostgresTreeRegistry.recordMinted")(
      (address: string, count = 1) => touch(address, sql`minted = minted + ${count}`),
      orRepositoryError
    ),
    get: Effect.fn("PostgresTreeRegistry.get")(
      (address: string) =>
        Effect.map(sql<R.Row>`SELECT * FROM trees WHERE address = ${address}`, (rows) =>
          Option.map(Option.fromNullishOr(rows[0]), toTree)
        ),
      orRepositoryError
    ),
    list: Effect.map(sql<R.Row>`SELECT * FROM trees ORDER BY created_at, address`, (rows) =>
      rows.map(toTree)
    ).pipe(orRepositoryError, Effect.withSpan("PostgresTreeRegistry.list")),
    checkpoint: Effect.fn("PostgresTreeRegistry.checkpoint")(
      (address: string) =>
        Effect.map(sql<R.Row>`SELECT checkpoint_signature FROM trees WHERE address = ${address}`, (rows) =>
          Option.flatMap(Option.fromNullishOr(rows[0]), (row) =>
            Option.fromNullishOr(R.textOrNull(row, "checkpoint_signature"))
          )
        ),
      orRepositoryError
    ),
    saveCheckpoint: Effect.fn("PostgresTreeRegistry.saveCheckpoint")(
      (address: string, signature: string) => touch(address, sql`checkpoint_signature = ${signature}`),
      orRepositoryError
    ),
    recordGenesis: Effect.fn("PostgresTreeRegistry.recordGenesis")(
      (genesisHash: string) =>
        Effect.map(
          sql<R.Row>`
            WITH added AS (
              INSERT INTO chain_identity (genesis_hash) VALUES (${genesisHash})
              ON CONFLICT (singleton) DO NOTHING RETURNING genesis_hash
            )
            SELECT genesis_hash FROM added
            UNION ALL SELECT genesis_hash FROM chain_identity
            LIMIT 1`,
          (rows) => R.text(rows[0]!, "genesis_hash")
        ),
      orRepositoryError
    ),
    genesis: Effect.map(sql<R.Row>`SELECT genesis_hash FROM chain_identity`, (rows) =>
      Option.map(Option.fromNullishOr(rows[0]), (row) => R.text(row, "genesis_hash"))
    ).pipe(orRepositoryError, Effect.withSpan("PostgresTreeRegistry.genesis")),
    moveGenesis: Effect.fn("PostgresTreeRegistry.moveGenesis")(
      (from: string, to: string) =>
        transaction(
          sql,
          Effect.gen(function* () {
            yield* sql`INSERT INTO chain_identity (genesis_hash) VALUES (${to}) ON CONFLICT (singleton) DO NOTHING`
            // The row lock makes a concurrent move wait, then see the genesis this one left.
            const [row] = yield* sql<R.Row>`SELECT genesis_hash FROM chain_identity FOR UPDATE`
            const current = R.text(row!, "genesis_hash")
            if (current !== from || from === to) return current
            yield* sql`
              INSERT INTO chain_identity_history (genesis_hash, recorded_at, replaced_at)
              SELECT genesis_hash, recorded_at, now() FROM chain_identity`
            yield* sql`UPDATE chain_identity SET genesis_hash = ${to}, recorded_at = now()`
            return to
          })
        ),
      orRepositoryError
    )
  })
})

export const layer: Layer.Layer<TreeRegistry, never, SqlClient.SqlClient> = Layer.effect(TreeRegistry, make)
