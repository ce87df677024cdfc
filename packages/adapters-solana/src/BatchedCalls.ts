/**
 * Calls of one method requested together, sent as one JSON-RPC batch: the transaction reads of
 * mints that landed together, the sends of mints signed together, the simulations of mints
 * prepared together. One HTTP request for the service and the node instead of one each. A lone
 * call, or every call of a batch that failed, goes alone, so each gets its own answer and its
 * errors are classified with its own context.
 */
import type { ChainError } from "@tickettoken/minting-core"
import { Effect, Exit, type Request, RequestResolver } from "effect"
import type { SolanaRpc } from "./SolanaRpc.ts"

/** How long a call waits for others to share its request. */
export const BATCH_WINDOW = "2 millis"

export const batchedCalls = <R extends Request.Request<unknown, ChainError, never>>(options: {
  readonly rpc: SolanaRpc
  readonly method: string
  /** At most this many calls in one batch. */
  readonly batchSize: number
  readonly params: (request: R) => ReadonlyArray<unknown>
  /** The call alone, with its own error classification. */
  readonly alone: (request: R) => Effect.Effect<Request.Success<R>, Request.Error<R>>
  /** What a request gets from its answer in a batch that succeeded. */
  readonly answer: (result: unknown) => Request.Success<R>
}): RequestResolver.RequestResolver<R> =>
  RequestResolver.make<R>((entries) => {
    const alone = Effect.forEach(
      entries,
      (entry) => Effect.map(Effect.exit(options.alone(entry.request)), (exit) => entry.completeUnsafe(exit)),
      { discard: true, concurrency: "unbounded" }
    )
    if (entries.length === 1) return alone
    return options.rpc
      .batch<unknown>(
        options.method,
        entries.map((entry) => options.params(entry.request))
      )
      .pipe(
        Effect.matchCauseEffect({
          onSuccess: (results) =>
            Effect.sync(() => {
              for (let i = 0; i < entries.length; i++)
                entries[i]!.completeUnsafe(Exit.succeed(options.answer(results[i])))
            }),
          onFailure: () => alone
        })
      )
  }).pipe(RequestResolver.setDelay(BATCH_WINDOW), RequestResolver.batchN(Math.max(1, options.batchSize)))
