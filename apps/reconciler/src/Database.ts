/**
 * The reconciler's database, chosen as the HTTP app chooses it (the service kit's
 * `DatabaseChoice`): PostgreSQL when DATABASE_URL (or the seed's DB_HOST...) is set, else PGlite
 * under DATA_DIR/pglite. On PGlite, which admits one process, the embedded reconciler is for
 * single-process demos: stop `pnpm start` first, it holds the same PGlite.
 */
import type * as Postgres from "@tickettoken/minting-postgres"
import { DatabaseChoice } from "@tickettoken/minting-service-kit"

export type DatabaseServices = DatabaseChoice.DatabaseServices
export const { postgres, pglite } = DatabaseChoice

/**
 * The lock holds one pooled connection for the whole pass; with a pool of one the pass would
 * wait for it forever, so such a pool is refused up front.
 */
export const poolProblem = (options: Postgres.PostgresOptions): string | undefined =>
  (options.maxConnections ?? 10) < 2
    ? "DB_POOL_MAX must be at least 2: the leader lock holds one connection while the pass uses the others"
    : undefined
