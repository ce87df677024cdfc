/**
 * Which database: PostgreSQL when DATABASE_URL (or the seed's DB_HOST...) is set, otherwise
 * PGlite embedded under the data folder, reached through the same @effect/sql-pg code. The
 * leader lock follows: advisory locks on PostgreSQL; on PGlite, which serves one process
 * through one connection (an advisory lock would hold the only connection), a lock inside the
 * process.
 */
import { join } from "node:path"
import type { LeaderLock } from "@tickettoken/minting-core"
import { InMemoryLeaderLock } from "@tickettoken/minting-core/testing"
import * as Postgres from "@tickettoken/minting-postgres"
import { Layer } from "effect"
import type { Environment } from "./Environment.ts"

export const choose = (env: Environment) => {
  if (env.databaseUrl._tag === "Some" || env.dbHost._tag === "Some") {
    return {
      kind: "postgresql" as const,
      layer: Postgres.PostgresLeaderLock.layer.pipe(Layer.provideMerge(Postgres.layerConfig)) as Layer.Layer<
        Postgres.Services | LeaderLock,
        unknown
      >
    }
  }
  const dataDir = join(env.dataDir, "pglite")
  return {
    kind: "pglite" as const,
    layer: Layer.merge(Postgres.layerPglite({ dataDir }), InMemoryLeaderLock.layer) as Layer.Layer<
      Postgres.Services | LeaderLock,
      unknown
    >
  }
}
