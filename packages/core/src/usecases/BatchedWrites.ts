/**
 * The worker's per-mint writes, shared by the mints that reach the same step together: a
 * completion or a signed transaction asked for within `windowMs` of others is written with them
 * in one transaction (MintLifecycle.completeAll, recordSignedAll). Under load a mint cost a dozen
 * statements, each a round trip and a socket write on both sides; mints whose statuses came in
 * the same read land together, so a batch carries most of them.
 *
 * A batch that fails (one mint taken over by another worker, a refused row) is written again
 * mint by mint, so each mint gets its own outcome, exactly as unbatched.
 */
import { Cause, Effect, Exit, Request, RequestResolver } from "effect"
import type { Mint, MintedAsset, SignedTransaction } from "../Mint.ts"
import * as Lifecycle from "./MintLifecycle.ts"

type Completing = ReturnType<typeof Lifecycle.complete>
type Signing = ReturnType<typeof Lifecycle.recordSigned>

class Complete extends Request.Class<
  { readonly mint: Mint; readonly asset: MintedAsset },
  Mint,
  Effect.Error<Completing>,
  Effect.Services<Completing>
> {}

class RecordSigned extends Request.Class<
  { readonly mint: Mint; readonly transaction: SignedTransaction },
  Mint,
  Effect.Error<Signing>,
  Effect.Services<Signing>
> {}

/** The largest batch: one statement's arrays stay small, and a failed batch redoes few. */
const maxBatch = 128

/**
 * Runs a batch with `all`; when that fails, each entry alone with `one`. Batches run in the
 * context of the caller that opened them (every caller is the same worker's).
 */
const resolver = <A extends Request.Request<Mint, unknown, unknown>>(
  windowMs: number,
  all: (
    requests: ReadonlyArray<A>
  ) => Effect.Effect<ReadonlyArray<Mint>, Request.Error<A>, Request.Services<A>>,
  one: (request: A) => Effect.Effect<Mint, Request.Error<A>, Request.Services<A>>
) =>
  RequestResolver.make<A>((entries) => {
    const alone = Effect.forEach(
      entries,
      (entry) =>
        Effect.map(Effect.exit(Effect.provideContext(one(entry.request), entry.context)), (exit) =>
          entry.completeUnsafe(exit as Exit.Exit<Request.Success<A>, Request.Error<A>>)
        ),
      { discard: true }
    )
    if (entries.length === 1) return alone
    return all(entries.map((e) => e.request)).pipe(
      Effect.provideContext(entries[0].context),
      Effect.matchCauseEffect({
        onSuccess: (saved) =>
          Effect.sync(() => {
            // A's success is a Mint (its bound), which the checker cannot see through Request.Success.
            for (const [i, entry] of entries.entries())
              entry.completeUnsafe(Exit.succeed(saved[i]!) as unknown as Exit.Exit<Request.Success<A>, never>)
          }),
        // Interrupted (shutdown): nothing more is written; each waiting mint is handed back.
        onFailure: (cause) =>
          Cause.hasInterrupts(cause)
            ? Effect.sync(() => {
                for (const entry of entries) entry.completeUnsafe(Exit.failCause(cause))
              })
            : alone
      })
    )
  }).pipe(RequestResolver.setDelay(windowMs), RequestResolver.batchN(maxBatch))

export interface BatchedWrites {
  readonly complete: (mint: Mint, asset: MintedAsset) => Completing
  readonly recordSigned: (mint: Mint, transaction: SignedTransaction) => Signing
}

export const make = (windowMs: number): BatchedWrites => {
  const completions = resolver<Complete>(
    windowMs,
    (requests) => Lifecycle.completeAll(requests),
    (request) => Lifecycle.complete(request.mint, request.asset)
  )
  const signatures = resolver<RecordSigned>(
    windowMs,
    (requests) => Lifecycle.recordSignedAll(requests),
    (request) => Lifecycle.recordSigned(request.mint, request.transaction)
  )
  return {
    complete: (mint, asset) => Effect.request(new Complete({ mint, asset }), completions),
    recordSigned: (mint, transaction) => Effect.request(new RecordSigned({ mint, transaction }), signatures)
  }
}

/** Each write on its own, as it is asked for: a single mint's turn (tests, recovery). */
export const direct: BatchedWrites = {
  complete: Lifecycle.complete,
  recordSigned: Lifecycle.recordSigned
}
