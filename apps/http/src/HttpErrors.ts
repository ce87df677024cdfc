/**
 * Every error a client can see, in one place: the errors routes may fail with are one union,
 * and each member (and each of its reasons) becomes an HTTP status and a stable `code`, in the
 * body `{ "error": { code, message, details } }`. The switches are exhaustive: a new error or
 * reason does not compile until it has its answer. Internal failures (defects) are logged with
 * their cause and answered without it, so no secret or stack reaches a client.
 */
import type { ChainError, ProofUnavailable, RepositoryError, RequestRefused } from "@tickettoken/minting-core"
import type { ErrorBody } from "@tickettoken/minting-core/client"
import { Cause } from "effect"

export interface HttpError {
  readonly status: 400 | 401 | 403 | 404 | 405 | 409 | 413 | 415 | 422 | 500 | 503
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

/** Lets a route fail with a ready HTTP error (validation, auth, a 404) through the error channel. */
export class HttpFailure {
  readonly _tag = "HttpFailure"
  readonly error: HttpError
  constructor(error: HttpError) {
    this.error = error
  }
}

/** What a route may fail with. */
export type RouteError = RequestRefused | RepositoryError | ChainError | ProofUnavailable | HttpFailure

const absurd = (value: never): never => {
  throw new Error(`unmapped route error: ${JSON.stringify(value)}`)
}

const refused = (error: RequestRefused): HttpError => {
  const reason = error.reason
  switch (reason._tag) {
    case "CollectionNotFound":
      return httpError(404, "collection_not_found", error.message)
    case "CollectionConflict":
      return httpError(409, "collection_conflict", error.message, { fields: reason.fields })
    case "CollectionNotReady":
      return httpError(409, "collection_not_ready", error.message)
    case "InvalidCollection":
      return httpError(422, "invalid_collection", error.message, { problems: reason.problems })
    case "MaxSupplyBelowSupply":
      return httpError(409, "max_supply_below_supply", error.message, {
        maxSupply: reason.maxSupply,
        currentSupply: reason.currentSupply
      })
    case "InvalidMetadata":
      return httpError(422, "invalid_metadata", error.message, { violations: reason.violations })
    case "TicketConflict":
      return httpError(409, "ticket_conflict", error.message)
    case "UnknownCollection":
      return httpError(422, "unknown_collection", error.message)
    case "CollectionFull":
      return httpError(409, "collection_full", error.message)
    case "MintNotFound":
      return httpError(404, "mint_not_found", error.message)
    case "RetryNotAllowed":
      return httpError(409, "retry_not_allowed", error.message)
    case "TicketMintedOnChain":
      return httpError(409, "ticket_minted_on_chain", error.message, {
        assetId: reason.assetId,
        tree: reason.tree,
        leafIndex: reason.leafIndex,
        signature: reason.signature
      })
  }
  return absurd(reason)
}

const repository = (error: RepositoryError): HttpError => {
  const reason = error.reason
  switch (reason._tag) {
    case "Unavailable":
    case "Contention":
      return httpError(503, "database_unavailable", "the database is unavailable; try again")
    case "NotFound":
      return httpError(404, "not_found", error.message)
    // A lost race or a refused write that no route expects: the service's own bug, not the caller's.
    case "StaleVersion":
    case "ConstraintViolated":
      return httpError(500, "internal_error", "internal error")
  }
  return absurd(reason)
}

/** A typed failure of a route, as HTTP. */
export const fromFailure = (error: RouteError): HttpError => {
  switch (error._tag) {
    case "RequestRefused":
      return refused(error)
    case "RepositoryError":
      return repository(error)
    case "ChainError":
      return httpError(503, "chain_unavailable", error.message)
    case "ProofUnavailable":
      return error.reason === "no_leaf"
        ? httpError(404, "proof_not_found", error.message)
        : httpError(503, "proof_unavailable", error.message, { reason: error.reason })
    case "HttpFailure":
      return error.error
  }
  return absurd(error)
}

/** A failed Exit's cause, as HTTP: the typed failure if there is one, else internal. */
export const fromCause = (cause: Cause.Cause<RouteError>): HttpError => {
  const failure = cause.reasons.find(Cause.isFailReason)
  return failure ? fromFailure(failure.error) : httpError(500, "internal_error", "internal error")
}
