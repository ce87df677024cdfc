/**
 * The database both apps run on: PostgreSQL when DATABASE_URL (or the seed's DB_HOST...) is set,
 * otherwise PGlite embedded under DATA_DIR/pglite, reached through the same @effect/sql-pg code.
 * The leader lock follows: advisory locks on PostgreSQL; on PGlite, which serves one process
 * from one session (an advisory lock would hold its only connection), a lock inside the process.
 */
import { join } from "node:path"
import type { LeaderLock } from "@tickettoken/minting-core"
import { InMemoryLeaderLock } from "@tickettoken/minting-core/testing"
import * as Postgres from "@tickettoken/minting-postgres"
import { Layer } from "effect"
import type { DatabaseKind } from "./Deployment.ts"

export type DatabaseServices = Postgres.Services | LeaderLock

export interface DatabaseChoice {
  readonly kind: DatabaseKind
  /** host:port/database or the folder; never a password. */
  readonly target: string
  /** The schema of the service's tables. */
  readonly schema: string
  readonly layer: Layer.Layer<DatabaseServices, unknown>
}

/** PostgreSQL from explicit options, with the lock on the same pool. */
export const postgres = (options: Postgres.PostgresOptions): DatabaseChoice => ({
  kind: "postgresql",
  target: Postgres.describeTarget(options),
  schema: options.schema ?? Postgres.Migrations.defaultSchema,
  layer: Postgres.PostgresLeaderLock.layer.pipe(Layer.provideMerge(Postgres.layer(options)))
})

export const pglite = (dataDir: string, schema?: string): DatabaseChoice => ({
  kind: "pglite",
  target: dataDir,
  schema: schema ?? Postgres.Migrations.defaultSchema,
  layer: Layer.merge(Postgres.layerPglite({ dataDir, schema }), InMemoryLeaderLock.layer)
})

/** The database `kind` names (decided by `Deployment.decide`), from the environment's options. */
export const choose = (
  kind: DatabaseKind,
  dataDir: string,
  options: Postgres.PostgresOptions
): DatabaseChoice =>
  kind === "postgresql" ? postgres(options) : pglite(join(dataDir, "pglite"), options.schema)
