/**
 * The repositories on a PostgreSQL server: a connection pool, the migrations run at start-up,
 * and every adapter. Configured in code (`layer`) or from the environment (`layerConfig`):
 * DATABASE_URL, or the seed's DB_HOST, DB_PORT, DB_NAME, DB_USER, DB_PASSWORD; DB_POOL_MAX;
 * DB_SCHEMA (where every table of the service lives, `minting`) and TICKETS_TABLE (the
 * platform's tickets, `public.tickets`): the service shares the platform's database and touches
 * nothing of it but the tickets' mint columns.
 * The password stays Redacted: it is never logged and never part of an error.
 */
import { PgClient } from "@effect/sql-pg"
import { Config, type Duration, Effect, Layer, Option, Redacted } from "effect"
import type { SqlClient } from "effect/sql"
import type { MigrationError } from "effect/sql/Migrator"
import type { SqlError } from "effect/sql/SqlError"
import * as Database from "./Database.ts"
import * as Migrations from "./Migrations.ts"
import * as PostgresTicketLedger from "./PostgresTicketLedger.ts"
import * as Repositories from "./Repositories.ts"

export interface PostgresOptions {
  /** postgres://user:password@host:port/database; takes precedence over the parts below. */
  readonly url?: Redacted.Redacted | undefined
  readonly host?: string | undefined
  readonly port?: number | undefined
  readonly database?: string | undefined
  readonly username?: string | undefined
  readonly password?: Redacted.Redacted | undefined
  /** Pool size; default 10. */
  readonly maxConnections?: number | undefined
  readonly connectTimeout?: Duration.Input | undefined
  /** The schema of every table of the service (created by the migrations); default `minting`. */
  readonly schema?: string | undefined
  /** The platform's tickets table, schema-qualified; default `public.tickets`. */
  readonly ticketsTable?: string | undefined
}

export type Services = Repositories.Repositories | Database.Database | PgClient.PgClient | SqlClient.SqlClient

/** host:port/database of the options, for logs and health: no user, no password. */
export const describeTarget = (options: PostgresOptions): string => {
  if (options.url !== undefined) {
    try {
      const url = new URL(Redacted.value(options.url))
      return `${url.hostname}:${url.port || "5432"}${url.pathname}`
    } catch {
      return "(unparseable DATABASE_URL)"
    }
  }
  return `${options.host ?? "localhost"}:${options.port ?? 5432}/${options.database ?? "postgres"}`
}

// A URL says everything: the parts' defaults must not override it (the client prefers parts).
const clientConfig = (options: PostgresOptions): PgClient.PgPoolConfig => ({
  ...(options.url !== undefined
    ? { url: options.url }
    : {
        host: options.host,
        port: options.port,
        database: options.database,
        username: options.username,
        password: options.password
      }),
  maxConnections: options.maxConnections ?? 10,
  // Every connection sees the service's schema alone: unqualified names are ours, never the
  // platform's tables of the same name.
  startupParameters: { search_path: options.schema ?? Migrations.defaultSchema },
  connectTimeout: options.connectTimeout ?? "5 seconds",
  applicationName: "tickettoken-minting"
})

/**
 * The client, migrated, with the repositories and `Database` on top. `kind` only labels it
 * (PGlite is reached through the same wire protocol).
 */
export const layerOnClient = <E, R>(
  client: Layer.Layer<PgClient.PgClient | SqlClient.SqlClient, E, R>,
  kind: Database.DatabaseKind,
  target: string,
  tables: Pick<PostgresOptions, "schema" | "ticketsTable"> = {}
): Layer.Layer<Services, E | SqlError | MigrationError, R> => {
  const migrated = Migrations.layerIn(tables.schema ?? Migrations.defaultSchema).pipe(
    Layer.provideMerge(client)
  )
  return Layer.mergeAll(
    Repositories.layerWith({ ticketsTable: tables.ticketsTable }),
    Database.layer(kind, target)
  ).pipe(Layer.provideMerge(migrated))
}

export const layer = (options: PostgresOptions): Layer.Layer<Services, SqlError | MigrationError> =>
  layerOnClient(PgClient.layer(clientConfig(options)), "postgresql", describeTarget(options), options)

/** The options from the environment. */
export const config: Config.Config<PostgresOptions> = Config.all({
  url: Config.option(Config.Redacted("DATABASE_URL")),
  host: Config.String("DB_HOST").pipe(Config.withDefault("localhost")),
  port: Config.Port("DB_PORT").pipe(Config.withDefault(5432)),
  database: Config.String("DB_NAME").pipe(Config.withDefault("tickettoken_db")),
  username: Config.String("DB_USER").pipe(Config.withDefault("postgres")),
  password: Config.option(Config.Redacted("DB_PASSWORD")),
  maxConnections: Config.Int("DB_POOL_MAX").pipe(Config.withDefault(10)),
  schema: Config.String("DB_SCHEMA").pipe(Config.withDefault(Migrations.defaultSchema)),
  ticketsTable: Config.String("TICKETS_TABLE").pipe(Config.withDefault(PostgresTicketLedger.defaultTable))
}).pipe(
  Config.map(
    (c): PostgresOptions => ({
      url: Option.getOrUndefined(c.url),
      host: c.host,
      port: c.port,
      database: c.database,
      username: c.username,
      password: Option.getOrUndefined(c.password),
      maxConnections: c.maxConnections,
      schema: c.schema,
      ticketsTable: c.ticketsTable
    })
  )
)

export const layerConfig: Layer.Layer<Services, Config.ConfigError | SqlError | MigrationError> =
  Layer.unwrap(Effect.map(config, layer))
