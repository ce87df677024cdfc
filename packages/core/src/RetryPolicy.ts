/**
 * When to try again, as data: the seed's 3 attempts with exponential backoff from 2 s, plus
 * jitter so that a burst of failures does not come back as a burst of retries.
 */
import { DateTime, Duration, Effect, Random, Schema } from "effect"
import type { ChainErrorReason } from "./ChainError.ts"

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

/** The delay before attempt `attempt + 1`, after `attempt` attempts have failed (1-based), without jitter. */
export const backoffMs = (policy: RetryPolicy, failedAttempts: number): number =>
  Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, failedAttempts - 1))

/** The jittered instant of the next attempt. */
export const nextAttemptAt = Effect.fnUntraced(function* (policy: RetryPolicy, failedAttempts: number) {
  const base = backoffMs(policy, failedAttempts)
  const spread = (yield* Random.next) * 2 - 1
  const delay = Math.max(0, Math.round(base * (1 + policy.jitter * spread)))
  const now = yield* DateTime.now
  return DateTime.addDuration(now, Duration.millis(delay))
})

/**
 * How long to leave the chain alone after it turned mints away for reasons of its own (see
 * MintWorker), `streak` rounds in a row, without jitter: from 1 s, doubling to 30 s for an
 * endpoint that is busy or away, at least its Retry-After; from 10 s to 2 min for an empty fee
 * payer, which only an operator can fix; at once for a full tree, which the next attempt leaves.
 */
export const deferralDelayMs = (reason: ChainErrorReason, streak: number): number => {
  if (reason._tag === "TreeFull") return 0
  const [base, cap] = reason._tag === "InsufficientFunds" ? [10_000, 120_000] : [1_000, 30_000]
  const delay = Math.min(cap, base * 2 ** Math.max(0, streak - 1))
  return reason._tag === "RateLimited" && reason.retryAfterMs !== null
    ? Math.max(delay, Math.min(reason.retryAfterMs, 10 * cap))
    : delay
}

/** `ms` spread uniformly over ±jitter. */
export const jittered = Effect.fnUntraced(function* (ms: number, jitter: number) {
  const spread = (yield* Random.next) * 2 - 1
  return Math.max(0, Math.round(ms * (1 + jitter * spread)))
})
