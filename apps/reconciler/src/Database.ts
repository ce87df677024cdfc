/**
 * The reconciler's database, chosen as the HTTP app chooses it (the service kit's
 * `DatabaseChoice`): PostgreSQL when DATABASE_URL (or the seed's DB_HOST...) is set, else PGlite
 * under DATA_DIR/pglite. On PGlite, which admits one process, the embedded reconciler is for
 * single-process demos: stop `pnpm start` first, it holds the same PGlite.
 */
import { DatabaseChoice } from "@tickettoken/minting-service-kit"

export type DatabaseServices = DatabaseChoice.DatabaseServices
export const { postgres, pglite } = DatabaseChoice
