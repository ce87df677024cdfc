import { Transactor } from "@tickettoken/minting-core"
import { Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import { transaction } from "./SqlErrors.ts"

/**
 * Transactions on the client's connection; nested ones become savepoints. A connection lost
 * mid-transaction fails it as Unavailable; PostgreSQL has rolled back whatever it had written.
 */
export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  return Transactor.of({
    withTransaction: <A, E, R>(self: Effect.Effect<A, E, R>) => transaction(sql, self)
  })
})

export const layer: Layer.Layer<Transactor, never, SqlClient.SqlClient> = Layer.effect(Transactor, make)
