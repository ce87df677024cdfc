/** Which database the repositories run on, and whether it answers: for health checks and logs. */
import { RepositoryError, Unavailable } from "@tickettoken/minting-core"
import { Context, Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import { orRepositoryError } from "./SqlErrors.ts"

export type DatabaseKind = "postgresql" | "pglite"

export class Database extends Context.Service<
  Database,
  {
    readonly kind: DatabaseKind
    /** host:port/database, never a password. */
    readonly target: string
    /** PGlite does not carry LISTEN/NOTIFY across connections: workers poll there. */
    readonly supportsListen: boolean
    /** One round trip, bounded: fails with Unavailable when the database does not answer. */
    readonly ping: Effect.Effect<void, RepositoryError>
  }
>()("@tickettoken/minting-postgres/Database") {}

export const layer = (
  kind: DatabaseKind,
  target: string
): Layer.Layer<Database, never, SqlClient.SqlClient> =>
  Layer.effect(
    Database,
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const ping = sql`SELECT 1`.pipe(
        Effect.asVoid,
        Effect.timeoutOrElse({
          duration: "3 seconds",
          orElse: () =>
            Effect.fail(
              new RepositoryError({ reason: new Unavailable({ message: `${target} did not answer in 3 s` }) })
            )
        }),
        orRepositoryError,
        Effect.withSpan("Database.ping")
      )
      return Database.of({ kind, target, supportsListen: kind === "postgresql", ping })
    })
  )
