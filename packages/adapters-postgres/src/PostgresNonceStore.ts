import { NonceStore, type RepositoryError } from "@tickettoken/minting-core"
import { DateTime, Effect, Exit, Layer, Request, RequestResolver } from "effect"
import { SqlClient } from "effect/sql"
import * as Batching from "./Batching.ts"
import * as R from "./Rows.ts"
import { orRepositoryError } from "./SqlErrors.ts"

const purgeEvery = 256

class Remember extends Request.Class<
  { readonly nonce: string; readonly expiresAt: DateTime.Utc; readonly now: DateTime.Utc },
  boolean,
  RepositoryError,
  never
> {}

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  let calls = 0

  // One statement decides for a whole batch: a new nonce is inserted, an expired one is taken
  // over, a live one is left alone and returns no row. Concurrent uses of one nonce meet on its
  // primary key; two in the same batch are settled here, the first one winning. A batch judges
  // expiry by its earliest request's clock, which can only refuse, never admit, a replay.
  const rememberAll = (requests: ReadonlyArray<Remember>) =>
    Effect.gen(function* () {
      const first = new Map<string, Remember>()
      for (const request of requests) if (!first.has(request.nonce)) first.set(request.nonce, request)
      const now = requests.reduce(
        (min, request) => (DateTime.isLessThan(request.now, min) ? request.now : min),
        requests[0]!.now
      )
      const at = R.toDate(now)
      const rows = yield* sql<{ nonce: string }>`
        INSERT INTO auth_nonces ${sql.insert(Batching.rows([...first.values()].map((r) => ({ nonce: r.nonce, expires_at: R.toDate(r.expiresAt) }))))}
        ON CONFLICT (nonce) DO UPDATE SET expires_at = EXCLUDED.expires_at
        WHERE auth_nonces.expires_at <= ${at}
        RETURNING nonce`
      // Forgetting expired nonces is housekeeping, not part of the answer: once in a while,
      // not on every request's path.
      calls += requests.length
      if (calls >= purgeEvery) {
        calls = 0
        // Its failure is not the answer's: the nonces above are written and must count as used.
        yield* Effect.ignore(sql`DELETE FROM auth_nonces WHERE expires_at <= ${at}`)
      }
      const fresh = new Set(rows.map((row) => row.nonce))
      return requests.map((request) => fresh.has(request.nonce) && first.get(request.nonce) === request)
    }).pipe(orRepositoryError)

  const resolver = RequestResolver.make<Remember>((entries) =>
    Effect.gen(function* () {
      const answers = yield* rememberAll(entries.map((entry) => entry.request))
      entries.forEach((entry, i) => {
        entry.completeUnsafe(Exit.succeed(answers[i]!))
      })
    }).pipe(
      // A nonce the database refuses fails only its own request. Alone, a request that lost its
      // first try is judged again by the same rule: its nonce was not written by the failed one.
      Effect.catchCause(
        Batching.isolate(entries, (request) => Effect.map(rememberAll([request]), (a) => a[0]!))
      )
    )
  ).pipe(RequestResolver.setDelay(Batching.window), RequestResolver.batchN(Batching.maxBatch))

  return NonceStore.of({
    remember: (nonce: string, expiresAt: DateTime.Utc, now: DateTime.Utc) =>
      Effect.request(new Remember({ nonce, expiresAt, now }), resolver)
  })
})

export const layer: Layer.Layer<NonceStore, never, SqlClient.SqlClient> = Layer.effect(NonceStore, make)
