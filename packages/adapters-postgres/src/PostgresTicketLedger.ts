/**
 * The platform's `tickets` table, when it shares our database: on completion its row gets the
 * asset id and `blockchain_status = 'minted'`, as the seed did. Which of its columns exist is
 * read once and kept; without the table nothing is written and nothing fails. A ticket row is
 * never inserted (the seed's mock inserts are exactly what this must not do).
 */
import { TicketLedger } from "@tickettoken/minting-core"
import { type DateTime, Effect, Layer, Option, Ref } from "effect"
import { SqlClient } from "effect/sql"
import * as R from "./Rows.ts"
import { orRepositoryError } from "./SqlErrors.ts"

/** What the `tickets` table lets us do, or none when there is nothing to update. */
interface Plan {
  readonly setMintAddress: boolean
  readonly setBlockchainStatus: boolean
  readonly setUpdatedAt: boolean
  readonly byId: boolean
  readonly byTicketNumber: boolean
}

/** Where the platform keeps its tickets unless TICKETS_TABLE says otherwise. */
export const defaultTable = "public.tickets"

const tableName = /^([a-z_][a-z0-9_]{0,62}\.)?[a-z_][a-z0-9_]{0,62}$/

/** The table's name, or why it cannot be one (it is written into SQL, so only plain names pass). */
export const checkTable = (table: string): string | undefined =>
  tableName.test(table)
    ? undefined
    : `TICKETS_TABLE is "${table}": write schema.table or table in lower-case letters, digits and _`

/**
 * The ledger on `table` (schema-qualified: the service's own tables live in their schema, the
 * platform's `tickets` wherever the platform keeps it, `public.tickets` by default).
 */
export const makeOn = (table: string) =>
  Effect.gen(function* () {
    const problem = checkTable(table)
    if (problem !== undefined) return yield* Effect.die(new Error(problem))
    const sql = yield* SqlClient.SqlClient
    const cached = yield* Ref.make(Option.none<Option.Option<Plan>>())

    // Looked up on first use (not at start-up, so a layer builds with the database down) and kept
    // once read; a failed lookup is not kept.
    const plan = Effect.gen(function* () {
      const known = yield* Ref.get(cached)
      if (Option.isSome(known)) return known.value
      const rows = yield* sql<R.Row>`
      SELECT attname AS name FROM pg_attribute
      WHERE attrelid = to_regclass(${table}) AND attnum > 0 AND NOT attisdropped`
      const columns = new Set(rows.map((row) => R.text(row, "name")))
      const found: Plan = {
        setMintAddress: columns.has("mint_address"),
        setBlockchainStatus: columns.has("blockchain_status"),
        setUpdatedAt: columns.has("updated_at"),
        byId: columns.has("id"),
        byTicketNumber: columns.has("ticket_number")
      }
      const usable =
        (found.setMintAddress || found.setBlockchainStatus) && (found.byId || found.byTicketNumber)
          ? Option.some(found)
          : Option.none<Plan>()
      yield* Ref.set(cached, Option.some(usable))
      return usable
    })

    const markMinted = Effect.fn("PostgresTicketLedger.markMinted")(function* (
      ticketId: string,
      assetId: string,
      at: DateTime.Utc
    ) {
      const found = yield* plan
      if (Option.isNone(found)) return false
      const p = found.value
      const set = [
        ...(p.setMintAddress ? [sql`mint_address = ${assetId}`] : []),
        ...(p.setBlockchainStatus ? [sql`blockchain_status = 'minted'`] : []),
        ...(p.setUpdatedAt ? [sql`updated_at = ${R.toDate(at)}`] : [])
      ]
      const match = [
        ...(p.byId ? [sql`id::text = ${ticketId}`] : []),
        ...(p.byTicketNumber ? [sql`ticket_number::text = ${ticketId}`] : [])
      ]
      const rows =
        yield* sql`UPDATE ${sql.literal(table)} SET ${sql.csv(set)} WHERE ${sql.or(match)} RETURNING 1 AS updated`
      return rows.length > 0
    }, orRepositoryError)

    return TicketLedger.of({ markMinted })
  })

export const make = makeOn(defaultTable)

export const layerOn = (table: string): Layer.Layer<TicketLedger, never, SqlClient.SqlClient> =>
  Layer.effect(TicketLedger, makeOn(table))

export const layer: Layer.Layer<TicketLedger, never, SqlClient.SqlClient> = layerOn(defaultTable)
