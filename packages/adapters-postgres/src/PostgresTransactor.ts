import { Transactor } from "@tickettoken/minting-core"
import { Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import { orRepositoryError } from "./SqlErrors.ts"

/**
 * Transactions on the client's connection; nested ones become savepoints. A connection lost
 * mid-transaction fails it as Unavailable; PostgreSQL has rolled back whatever it had written.
 */
export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  return Transactor.of({
    withTransaction: (self) => orRepositoryError(sql.withTransaction(self))
  })
})

export const layer: Layer.Layer<Transactor, never, SqlClient.SqlClient> = Layer.effect(Transactor, make)
