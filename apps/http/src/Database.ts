/**
 * Which database: PostgreSQL when DATABASE_URL (or the seed's DB_HOST...) is set, otherwise
 * PGlite embedded under the data folder, reached through the same @effect/sql-pg code.
 */

import { join } from "node:path"
import * as Postgres from "@tickettoken/minting-postgres"
import type { Layer } from "effect"
import type { Environment } from "./Environment.ts"

export const choose = (env: Environment) => {
  if (env.databaseUrl._tag === "Some" || env.dbHost._tag === "Some") {
    return { kind: "postgresql" as const, layer: Postgres.layerConfig }
  }
  const dataDir = join(env.dataDir, "pglite")
  return {
    kind: "pglite" as const,
    layer: Postgres.layerPglite({ dataDir }) as Layer.Layer<Postgres.Services, unknown>
  }
}
