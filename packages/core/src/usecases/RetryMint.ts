/** An operator's retry of a failed or missing mint: back to pending, attempts reset. */
import { DateTime, Effect, Option } from "effect"
import { transition } from "../MintTransitions.ts"
import { CollectionRepository } from "../ports/CollectionRepository.ts"
import { MintRepository } from "../ports/MintRepository.ts"
import { Transactor } from "../ports/Transactor.ts"
import { CollectionFull, MintNotFound, RetryNotAllowed, refuse } from "./RequestRefused.ts"

export const retryMint = Effect.fn("RetryMint")(function* (ticketId: string) {
  const mints = yield* MintRepository
  const collections = yield* CollectionRepository
  const transactor = yield* Transactor
  const found = yield* mints.findByTicket(ticketId)
  if (Option.isNone(found)) return yield* refuse(new MintNotFound({ ticketId }))
  const mint = found.value
  const next = transition(mint, { _tag: "OperatorRetry" }, yield* DateTime.now)
  if (next._tag === "Failure") return yield* refuse(new RetryNotAllowed({ ticketId, status: mint.status }))
  return yield* transactor.withTransaction(
    Effect.gen(function* () {
      // A failed mint gave its collection place back; a retry takes one again.
      const collectionId = mint.request.collectionId
      if (mint.status === "failed" && collectionId !== undefined) {
        yield* collections
          .reserve(collectionId)
          .pipe(
            Effect.catchReason("RepositoryError", "ConstraintViolated", () =>
              Effect.fail(refuse(new CollectionFull({ collectionId })))
            )
          )
      }
      return yield* mints.save(next.success, mint.version)
    })
  )
})
