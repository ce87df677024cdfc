import { NonceStore } from "@tickettoken/minting-core"
import { type DateTime, Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import * as R from "./Rows.ts"
import { orRepositoryError } from "./SqlErrors.ts"

const purgeEvery = 256

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  let calls = 0
  return NonceStore.of({
    // One statement decides: a new nonce is inserted, an expired one is taken over, a live one
    // is left alone and returns no row. Concurrent uses of one nonce meet on its primary key.
    remember: Effect.fn("PostgresNonceStore.remember")(function* (
      nonce: string,
      expiresAt: DateTime.Utc,
      now: DateTime.Utc
    ) {
      const at = R.toDate(now)
      const rows = yield* sql`
        INSERT INTO auth_nonces (nonce, expires_at) VALUES (${nonce}, ${R.toDate(expiresAt)})
        ON CONFLICT (nonce) DO UPDATE SET expires_at = EXCLUDED.expires_at
        WHERE auth_nonces.expires_at <= ${at}
        RETURNING nonce`
      // Forgetting expired nonces is housekeeping, not part of the answer: once in a while,
      // not on every request's path (it was a second round trip and a contended delete).
      if (++calls % purgeEvery === 0) yield* sql`DELETE FROM auth_nonces WHERE expires_at <= ${at}`
      return rows.length > 0
    }, orRepositoryError)
  })
})

export const layer: Layer.Layer<NonceStore, never, SqlClient.SqlClient> = Layer.effect(NonceStore, make)
