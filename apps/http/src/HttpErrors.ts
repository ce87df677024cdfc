/**
 * Every error a client can see, in one place: the domain's errors become an HTTP status and a
 * stable `code`, in the body `{ "error": { code, message, details } }`. Internal failures are
 * logged with their cause and answered without it, so no secret or stack reaches a client.
 */
import type { ErrorBody } from "@tickettoken/minting-core/client"
import { Cause } from "effect"

export interface HttpError {
  readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 500 | 503
  readonly body: ErrorBody
}

export const httpError = (
  status: HttpError["status"],
  code: string,
  message: string,
  details?: unknown
): HttpError => ({
  status,
  body: { error: details === undefined ? { code, message } : { code, message, details } }
})

interface Tagged {
  readonly _tag: string
  readonly message?: string
  readonly reason?: { readonly _tag: string } & Record<string, unknown>
}

/** A typed failure of a use case, as HTTP. Unknown errors are internal. */
export const fromFailure = (error: unknown): HttpError => {
  const e = error as Tagged
  const message = e.message ?? "request failed"
  switch (e._tag) {
    case "RequestRefused": {
      const reason = e.reason!
      switch (reason._tag) {
        case "InvalidMetadata":
          return httpError(422, "invalid_metadata", message, { violations: reason.violations })
        case "TicketConflict":
          return httpError(409, "ticket_conflict", message)
        case "UnknownCollection":
          return httpError(422, "unknown_collection", message)
        case "CollectionFull":
          return httpError(409, "collection_full", message)
        case "MintNotFound":
          return httpError(404, "mint_not_found", message)
        case "RetryNotAllowed":
          return httpError(409, "retry_not_allowed", message)
        case "TicketMintedOnChain":
          return httpError(409, "ticket_minted_on_chain", message, {
            assetId: reason.assetId,
            tree: reason.tree,
            leafIndex: reason.leafIndex,
            signature: reason.signature
          })
      }
      break
    }
    case "RepositoryError": {
      const reason = e.reason?._tag
      if (reason === "Unavailable" || reason === "Contention") {
        return httpError(503, "database_unavailable", "the database is unavailable; try again")
      }
      if (reason === "NotFound") return httpError(404, "not_found", message)
      break
    }
    case "ChainError":
      return httpError(503, "chain_unavailable", message)
    case "ProofUnavailable": {
      const why = (e as unknown as { reason: string }).reason
      return why === "no_leaf"
        ? httpError(404, "proof_not_found", message)
        : httpError(503, "proof_unavailable", message, { reason: why })
    }
    case "Unauthenticated":
      return httpError(401, "unauthenticated", message, {
        reason: (e as unknown as { reason: string }).reason
      })
    case "HttpFailure":
      return (e as unknown as { error: HttpError }).error
  }
  return httpError(500, "internal_error", "internal error")
}

/** A failed Exit's cause, as HTTP: the typed failure if there is one, else internal. */
export const fromCause = (cause: Cause.Cause<unknown>): HttpError => {
  const failure = cause.reasons.find(Cause.isFailReason)
  return failure ? fromFailure(failure.error) : httpError(500, "internal_error", "internal error")
}

/** Lets a route fail with a ready HTTP error through the Effect error channel. */
export class HttpFailure {
  readonly _tag = "HttpFailure"
  readonly error: HttpError
  constructor(error: HttpError) {
    this.error = error
  }
}
