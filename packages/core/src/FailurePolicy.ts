/**
 * The one place that says what a failure means and how long to wait after it. Adapters sort
 * every failure onto ChainError's reasons; this module says, per reason, whether the mint is
 * deferred (the chain's or the operator's trouble: no attempt counted), its tree rotated (the
 * tree's trouble), the attempt retried (counted, with the seed's backoff) or the mint failed
 * for good; and it owns every delay: the attempt backoff, the deferral backoff while the chain
 * turns mints away, and the confirmation poll's slow-down while the endpoint does not answer.
 * All pure, so `MintStep.decide` can be.
 */
import { DateTime, Duration, Effect, Random, Schema } from "effect"
import type { ChainErrorReason } from "./ChainError.ts"

type ReasonTag = ChainErrorReason["_tag"]

/** The seed's 3 attempts with exponential backoff from 2 s, and jitter to spread a burst of retries. */
export class RetryPolicy extends Schema.Class<RetryPolicy>("@tickettoken/minting-core/RetryPolicy")({
  maxAttempts: Schema.Int,
  baseDelayMs: Schema.Int,
  maxDelayMs: Schema.Int,
  /** 0.2 spreads each delay uniformly over ±20%. */
  jitter: Schema.Number
}) {}

export const defaultPolicy = new RetryPolicy({
  maxAttempts: 3,
  baseDelayMs: 2_000,
  maxDelayMs: 60_000,
  jitter: 0.2
})

/** Reasons where the very same call may succeed if made again later (the transport's view). */
const retryableTags: ReadonlySet<ReasonTag> = new Set([
  "RateLimited",
  "Timeout",
  "RpcUnavailable",
  "BlockhashNotFound"
])

export const isRetryable = (tag: ReasonTag): boolean => retryableTags.has(tag)

/**
 * What a failure means for the mint that met it:
 * - `defer`: not the mint's fault and not over soon (endpoint busy or away, fee payer empty):
 *   back to the queue with no attempt counted, and the worker holds off the chain. Counted as
 *   attempts, a 10-second outage or an empty fee payer would fail the whole queue in seconds.
 * - `rotate`: the tree cannot take the leaf (full, or gone from the chain): it is replaced and
 *   the mint deferred at once, no attempt counted.
 * - `retry`: this attempt failed; it counts, and the mint is tried again after the backoff until
 *   its attempts are spent.
 * - `fail`: the request itself is wrong; trying again cannot help.
 */
export type Disposition = "defer" | "rotate" | "retry" | "fail"

/**
 * Met while preparing (the simulation is the preflight), before any signature exists. A
 * blockhash gone stale meanwhile is the service's own lateness (a prepare queued behind others
 * under load), never the mint's: it is prepared again at once on a fresh one, no attempt counted.
 */
export const beforeSigning = (reason: ChainErrorReason): Disposition => {
  switch (reason._tag) {
    case "RateLimited":
    case "Timeout":
    case "RpcUnavailable":
    case "InsufficientFunds":
    case "BlockhashNotFound":
      return "defer"
    case "TreeFull":
    case "TreeMissing":
      return "rotate"
    case "ProgramFailed":
    case "InvalidRequest":
      return "fail"
  }
}

/**
 * Met while replacing the tree the mint was to go into (creating the successor of a full one):
 * whatever that failed with (its own blockhash expired while the service was overloaded, the
 * endpoint busy, a refusal), it was the service's transaction, not the mint's, so the mint waits
 * for the next try with no attempt counted. Counted, an overload at the moment a tree fills
 * failed every mint queued behind the rotation.
 */
export const whileReplacingTree = (_reason: ChainErrorReason): Disposition => "defer"

/**
 * A signed transaction that landed with an error. It passed the simulation, so whatever refused
 * it changed in between: a tree that filled or vanished, a fee payer drained meanwhile (neither
 * the mint's fault), or anything else, which counts as a failed attempt (never final at once:
 * the next attempt is simulated afresh and fails for good there if the request is wrong).
 */
export const afterLanding = (reason: ChainErrorReason): Disposition => {
  switch (reason._tag) {
    case "TreeFull":
    case "TreeMissing":
      return "rotate"
    case "InsufficientFunds":
      return "defer"
    default:
      return "retry"
  }
}

/** The delay before attempt `failedAttempts + 1` (1-based count of failed ones), without jitter. */
export const attemptBackoffMs = (policy: RetryPolicy, failedAttempts: number): number =>
  Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, failedAttempts - 1))

/**
 * How long to leave the chain alone after it turned mints away for reasons of its own, `streak`
 * times in a row (1-based), without jitter: from 1 s, doubling to 30 s for an endpoint that is
 * busy or away, at least its Retry-After; from 10 s to 2 min for an empty fee payer, which only
 * an operator can fix; at once for a tree being replaced, which the next attempt leaves, and for
 * a stale blockhash, which the next prepare replaces.
 */
export const deferralBackoffMs = (reason: ChainErrorReason, streak: number): number => {
  if (reason._tag === "TreeFull" || reason._tag === "TreeMissing" || reason._tag === "BlockhashNotFound")
    return 0
  const [base, cap] = reason._tag === "InsufficientFunds" ? [10_000, 120_000] : [1_000, 30_000]
  const delay = Math.min(cap, base * 2 ** Math.max(0, streak - 1))
  return reason._tag === "RateLimited" && reason.retryAfterMs !== null
    ? Math.max(delay, Math.min(reason.retryAfterMs, 10 * cap))
    : delay
}

/** The longest a status poll waits while the endpoint keeps failing; the lease outlasts it. */
export const MAX_POLL_BACKOFF_MS = 5_000

/** The pause before the next status read, `unanswered` reads in a row having gone unanswered. */
export const pollBackoffMs = (pollMs: number, unanswered: number): number =>
  unanswered === 0 ? pollMs : Math.min(MAX_POLL_BACKOFF_MS, pollMs * 2 ** unanswered)

/** `ms` spread uniformly over ±jitter. */
export const jittered = Effect.fnUntraced(function* (ms: number, jitter: number) {
  const spread = (yield* Random.next) * 2 - 1
  return Math.max(0, Math.round(ms * (1 + jitter * spread)))
})

/** The jittered instant of the next attempt. */
export const nextAttemptAt = Effect.fnUntraced(function* (policy: RetryPolicy, failedAttempts: number) {
  const delay = yield* jittered(attemptBackoffMs(policy, failedAttempts), policy.jitter)
  return DateTime.addDuration(yield* DateTime.now, Duration.millis(delay))
})
