/**
 * Which database, decided as the HTTP app decides it: PostgreSQL when DATABASE_URL (or the
 * seed's DB_HOST...) is set, else PGlite under DATA_DIR/pglite. The leader lock follows: advisory
 * locks on PostgreSQL; on PGlite, which admits one process and serves every connection from one
 * session, a lock inside this process is all there is to have (the embedded reconciler is for
 * single-process demos: stop `pnpm start` first, it holds the same PGlite).
 */
import { join } from "node:path"
import type { LeaderLock } from "@tickettoken/minting-core"
import { InMemoryLeaderLock } from "@tickettoken/minting-core/testing"
import * as Postgres from "@tickettoken/minting-postgres"
import { Layer } from "effect"
import type { Environment } from "./Environment.ts"

export type DatabaseServices = Postgres.Services | LeaderLock

export interface DatabaseChoice {
  readonly kind: "postgresql" | "pglite"
  /** host:port/database or the folder; never a password. */
  readonly target: string
  readonly layer: Layer.Layer<DatabaseServices, unknown>
}

/** PostgreSQL from explicit options, with the lock on the same pool. */
export const postgres = (options: Postgres.PostgresOptions): DatabaseChoice => ({
  kind: "postgresql",
  target: Postgres.describeTarget(options),
  layer: Postgres.PostgresLeaderLock.layer.pipe(Layer.provideMerge(Postgres.layer(options)))
})

export const pglite = (dataDir: string): DatabaseChoice => ({
  kind: "pglite",
  target: dataDir,
  layer: Layer.merge(Postgres.layerPglite({ dataDir }), InMemoryLeaderLock.layer)
})

/**
 * The lock holds one pooled connection for the whole pass; with a pool of one the pass would
 * wait for it forever, so such a pool is refused up front.
 */
export const choose = (env: Environment, options: Postgres.PostgresOptions): DatabaseChoice | string => {
  if (env.databaseUrl._tag === "None" && env.dbHost._tag === "None")
    return pglite(join(env.dataDir, "pglite"))
  if ((options.maxConnections ?? 10) < 2) {
    return "DB_POOL_MAX must be at least 2: the leader lock holds one connection while the pass uses the others"
  }
  return postgres(options)
}
