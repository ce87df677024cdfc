/**
 * The one error of the chain port. Adapters classify every failure, landed transactions' errors
 * included, onto these reasons; what the worker does about each is FailurePolicy's to say.
 */
import { Schema } from "effect"
import { isRetryable } from "./FailurePolicy.ts"

/** HTTP 429 or the RPC's own rate limit. */
export class RateLimited extends Schema.TaggedError<RateLimited>()("RateLimited", {
  method: Schema.String,
  retryAfterMs: Schema.NullOr(Schema.Int)
}) {}

export class Timeout extends Schema.TaggedError<Timeout>()("Timeout", { method: Schema.String }) {}

/** 5xx, connection refused or reset: the endpoint is not answering properly now. */
export class RpcUnavailable extends Schema.TaggedError<RpcUnavailable>()("RpcUnavailable", {
  method: Schema.String,
  message: Schema.String
}) {}

/** The blockhash the transaction was built on is unknown to the cluster. Re-sign. */
export class BlockhashNotFound extends Schema.TaggedError<BlockhashNotFound>()("BlockhashNotFound", {}) {}

/** The fee payer cannot pay. Retrying soon will not help; an operator must fund it. */
export class InsufficientFunds extends Schema.TaggedError<InsufficientFunds>()("InsufficientFunds", {
  account: Schema.String,
  message: Schema.String
}) {}

/** The merkle tree has no leaf left. A new tree must take over. */
export class TreeFull extends Schema.TaggedError<TreeFull>()("TreeFull", { tree: Schema.String }) {}

/**
 * The tree account (or its Bubblegum config) does not exist on this chain: a chain reset, a
 * different cluster, or a tree closed by someone else. Anchor says AccountNotInitialized (3012,
 * 0xbc4) on the tree's accounts. A new tree must take over; the mint did nothing wrong.
 */
export class TreeMissing extends Schema.TaggedError<TreeMissing>()("TreeMissing", { tree: Schema.String }) {}

/** A program refused the instruction (custom error code, constraint, invalid account). */
export class ProgramFailed extends Schema.TaggedError<ProgramFailed>()("ProgramFailed", {
  program: Schema.String,
  code: Schema.NullOr(Schema.Int),
  message: Schema.String,
  logs: Schema.Array(Schema.String)
}) {}

/** The request itself is wrong (bad address, bad argument). */
export class InvalidRequest extends Schema.TaggedError<InvalidRequest>()("InvalidRequest", {
  message: Schema.String
}) {}

export const ChainErrorReason = Schema.Union([
  RateLimited,
  Timeout,
  RpcUnavailable,
  BlockhashNotFound,
  InsufficientFunds,
  TreeFull,
  TreeMissing,
  ProgramFailed,
  InvalidRequest
])
export type ChainErrorReason = typeof ChainErrorReason.Type

export class ChainError extends Schema.TaggedError<ChainError>()("ChainError", { reason: ChainErrorReason }) {
  /** Whether the same call may succeed if made again later (FailurePolicy owns the list). */
  get retryable(): boolean {
    return isRetryable(this.reason._tag)
  }
  /** A stable snake_case code for mint failures, metrics and API errors. */
  get code(): string {
    return this.reason._tag.replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase()
  }
  override get message(): string {
    const r = this.reason
    switch (r._tag) {
      case "RateLimited":
        return `${r.method}: rate limited`
      case "Timeout":
        return `${r.method}: timed out`
      case "RpcUnavailable":
        return `${r.method}: ${r.message}`
      case "BlockhashNotFound":
        return "blockhash not found"
      case "TreeFull":
        return `tree ${r.tree} is full`
      case "TreeMissing":
        return `tree ${r.tree} does not exist on this chain`
      default:
        return r.message
    }
  }
}
