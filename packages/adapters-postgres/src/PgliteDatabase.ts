/**
 * PostgreSQL embedded in the process (PGlite), persisted under a data directory and served on
 * 127.0.0.1 at an ephemeral port through pglite-socket, so the very same @effect/sql-pg code
 * runs on it. PGlite executes one statement at a time and several connections break its
 * transactions, so the pool holds ONE connection; LISTEN/NOTIFY does not cross connections
 * there, so workers poll.
 */
import { chmodSync, lstatSync, mkdirSync, readdirSync } from "node:fs"
import { join } from "node:path"
import { PgClient } from "@effect/sql-pg"
import { PGlite } from "@electric-sql/pglite"
import { PGLiteSocketServer } from "@electric-sql/pglite-socket"
import { Context, Effect, Layer, Redacted, Schema } from "effect"
import type { SqlClient } from "effect/sql"
import type { MigrationError } from "effect/sql/Migrator"
import type { SqlError } from "effect/sql/SqlError"
import * as Migrations from "./Migrations.ts"
import { type Services as DatabaseServices, layerOnClient } from "./PostgresDatabase.ts"

export interface PgliteOptions {
  /** Where the database lives (created if missing); undefined keeps it in memory. */
  readonly dataDir?: string | undefined
  /** The schema of the service's tables; default `minting`, as on PostgreSQL. */
  readonly schema?: string | undefined
}

export class PgliteError extends Schema.TaggedError<PgliteError>()("PgliteError", {
  message: Schema.String
}) {}

/** Folders 0700 and files 0600 under `dir`, the folder itself included; links are left alone. */
export const tightenTree = (dir: string): void => {
  chmodSync(dir, 0o700)
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) tightenTree(path)
    else if (entry.isFile() && (lstatSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600)
  }
}

export class PgliteDatabase extends Context.Service<
  PgliteDatabase,
  {
    readonly dataDir: string | null
    readonly host: string
    readonly port: number
    /** postgres://postgres@127.0.0.1:<port>/postgres (PGlite has no password). */
    readonly url: Redacted.Redacted
  }
>()("@tickettoken/minting-postgres/PgliteDatabase") {
  /** Starts PGlite and its socket server; both stop when the layer's scope closes. */
  static readonly layer = (options: PgliteOptions = {}): Layer.Layer<PgliteDatabase, PgliteError> =>
    Layer.effect(
      PgliteDatabase,
      Effect.gen(function* () {
        const dataDir = options.dataDir ?? null
        const db = yield* Effect.acquireRelease(
          Effect.tryPromise({
            try: async () => {
              if (dataDir === null) return PGlite.create()
              mkdirSync(dataDir, { recursive: true, mode: 0o700 })
              // The database's files are the service's alone. PGlite (Emscripten's file system)
              // creates them 0666 less the umask, so an existing folder is tightened, and its
              // files, before and after start: a 0700 folder keeps out whatever it adds later.
              tightenTree(dataDir)
              const db = await PGlite.create(dataDir)
              tightenTree(dataDir)
              return db
            },
            catch: (cause) =>
              new PgliteError({ message: `PGlite did not start in ${dataDir ?? "memory"}: ${String(cause)}` })
          }),
          (db) => Effect.promise(() => db.close()).pipe(Effect.ignore)
        )
        // The socket server ignores a client's startup parameters and serves every connection
        // from PGlite's one session: the session's search_path is set once, here. `public`
        // stays behind the schema for the platform's tables a test or a demo may create.
        const schema = options.schema ?? Migrations.defaultSchema
        const problem = Migrations.checkSchema(schema)
        if (problem !== undefined) return yield* new PgliteError({ message: problem })
        yield* Effect.tryPromise({
          try: () => db.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}; SET search_path TO ${schema}, public`),
          catch: (cause) =>
            new PgliteError({ message: `PGlite did not take the schema ${schema}: ${String(cause)}` })
        })
        const server = yield* Effect.acquireRelease(
          Effect.tryPromise({
            try: async () => {
              // Only our one-connection pool connects; the headroom admits its replacement
              // connection before the server has noticed that the old one closed.
              const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0, maxConnections: 4 })
              await server.start()
              return server
            },
            catch: (cause) =>
              new PgliteError({ message: `the PGlite socket server did not start: ${String(cause)}` })
          }),
          (server) => Effect.promise(() => server.stop()).pipe(Effect.ignore)
        )
        const [host = "127.0.0.1", port = "0"] = server.getServerConn().split(":")
        return PgliteDatabase.of({
          dataDir,
          host,
          port: Number(port),
          url: Redacted.make(`postgres://postgres@${host}:${port}/postgres`)
        })
      })
    )
}

/** A one-connection client to the running PGlite. */
export const layerClient: Layer.Layer<PgClient.PgClient | SqlClient.SqlClient, SqlError, PgliteDatabase> =
  Layer.unwrap(
    Effect.map(PgliteDatabase, (pglite) =>
      PgClient.layer({
        url: pglite.url,
        maxConnections: 1,
        connectTimeout: "5 seconds",
        applicationName: "tickettoken-minting"
      })
    )
  )

export type Services = DatabaseServices | PgliteDatabase

/** PGlite, migrated, with every repository on it. */
export const layerPglite = (
  options: PgliteOptions = {}
): Layer.Layer<Services, PgliteError | SqlError | MigrationError> =>
  layerOnClient(layerClient, "pglite", options.dataDir ?? "memory", { schema: options.schema }).pipe(
    Layer.provideMerge(PgliteDatabase.layer(options))
  )
