/**
 * The mint worker's step as a pure decision, like Reconciliation's `judge`: from a mint, what
 * the chain just said about it and the time, to what to do next. The worker (MintWorker) is a
 * thin loop that observes, asks `decide`, and carries the action out; every rule about
 * failures and delays comes from FailurePolicy.
 *
 * Exactly once rests on two rules decided here. A landed signature settles the mint (completed,
 * or the landed error's disposition). And a new signature is issued only once the old one has
 * provably expired unseen: the chain's height past its lastValidBlockHeight, or so far below it
 * that the blockhash cannot be this chain's (a chain reset, another cluster), AND the signature
 * read absent once more after that height was seen.
 */
import { DateTime } from "effect"
import { type ChainErrorReason, ProgramFailed } from "./ChainError.ts"
import * as FailurePolicy from "./FailurePolicy.ts"
import { type Mint, MintFailure } from "./Mint.ts"
import type { SignatureObservation } from "./Reconciliation.ts"

/** Blocks a blockhash stays valid for: lastValidBlockHeight is its block's height plus this. */
export const BLOCKHASH_LIFETIME_BLOCKS = 150

/**
 * How far below a blockhash's own block the chain must stand before the blockhash counts as
 * unreachable. A lagging node reads some blocks behind (the fault suite uses 120); a reset chain
 * restarts near 0. A whole further lifetime keeps the first from ever looking like the second.
 */
export const UNREACHABLE_MARGIN_BLOCKS = BLOCKHASH_LIFETIME_BLOCKS

export type Observation =
  /** Preparing (simulating and signing) a new transaction failed. */
  | { readonly _tag: "PrepareFailed"; readonly reason: ChainErrorReason }
  /** No tree could take the mint: creating the successor of a full tree failed. */
  | { readonly _tag: "TreeUnavailable"; readonly reason: ChainErrorReason }
  /**
   * The live signature's status. `status` undefined: the endpoint did not answer. `blockHeight`
   * is read only while the signature is absent (undefined: not read, or unanswered).
   * `recheck`: this status was read after a height that makes the signature expired.
   */
  | {
      readonly _tag: "Status"
      readonly status: SignatureObservation | undefined
      readonly blockHeight: number | undefined
      readonly recheck: boolean
      /** Reads in a row (this one included) the endpoint left unanswered. */
      readonly unanswered: number
    }

export interface Rules {
  readonly policy: FailurePolicy.RetryPolicy
  readonly confirmPollMs: number
  readonly leaseMs: number
  /** How many times in a row the chain has turned mints away (deferral backoff's exponent, 1-based). */
  readonly deferralStreak: number
}

/** Delays are un-jittered: the loop adds the jitter, so this stays pure. */
export type Action =
  /** Landed without error: read its leaf and complete. */
  | { readonly _tag: "Complete"; readonly signature: string }
  /** Back to the queue, no attempt counted. `settledSignature`: the live signature, known final. */
  | {
      readonly _tag: "Defer"
      readonly reason: ChainErrorReason
      readonly delayMs: number
      readonly settledSignature: string | null
    }
  /** The tree cannot take leaves: replace it (checked first, under the leader lock), then defer at once. */
  | {
      readonly _tag: "Rotate"
      readonly reason: Extract<ChainErrorReason, { readonly _tag: "TreeFull" | "TreeMissing" }>
      readonly settledSignature: string | null
    }
  /** The attempt failed: counted; `retryAfterMs` null means for good. */
  | {
      readonly _tag: "Fail"
      readonly failure: MintFailure
      readonly retryAfterMs: number | null
      readonly settledSignature: string | null
    }
  /** The live signature provably expired unseen: requeued (no attempt counted), a new signature next time. */
  | { readonly _tag: "Expire"; readonly signature: string; readonly retryAfterMs: number }
  /** The height says expired: read the status once more before believing it. */
  | { readonly _tag: "Recheck" }
  /** Still in flight: wait, renewing the lease first when half of it is gone. */
  | { readonly _tag: "Wait"; readonly ms: number; readonly renewLease: boolean }

/** A blockhash this chain cannot accept any more, or never could from where it stands. */
export const blockhashDead = (lastValidBlockHeight: number, blockHeight: number): boolean =>
  blockHeight > lastValidBlockHeight ||
  blockHeight + BLOCKHASH_LIFETIME_BLOCKS + UNREACHABLE_MARGIN_BLOCKS < lastValidBlockHeight

const codeOf = (reason: ChainErrorReason) => reason._tag.replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase()

const messageOf = (reason: ChainErrorReason): string =>
  "message" in reason && typeof reason.message === "string" && reason.message !== ""
    ? reason.message
    : codeOf(reason)

const onFailure = (
  mint: Mint,
  reason: ChainErrorReason,
  disposition: FailurePolicy.Disposition,
  rules: Rules,
  settledSignature: string | null,
  failure: MintFailure
): Action => {
  switch (disposition) {
    case "rotate":
      return {
        _tag: "Rotate",
        reason: reason as Extract<ChainErrorReason, { readonly _tag: "TreeFull" | "TreeMissing" }>,
        settledSignature
      }
    case "defer":
      return {
        _tag: "Defer",
        reason,
        delayMs: FailurePolicy.deferralBackoffMs(reason, rules.deferralStreak),
        settledSignature
      }
    case "retry":
      return {
        _tag: "Fail",
        failure,
        retryAfterMs: FailurePolicy.attemptBackoffMs(rules.policy, mint.attempts + 1),
        settledSignature
      }
    case "fail":
      return { _tag: "Fail", failure, retryAfterMs: null, settledSignature }
  }
}

export const decide = (mint: Mint, observation: Observation, now: DateTime.Utc, rules: Rules): Action => {
  if (observation._tag === "PrepareFailed" || observation._tag === "TreeUnavailable") {
    const { reason } = observation
    const disposition =
      observation._tag === "PrepareFailed"
        ? FailurePolicy.beforeSigning(reason)
        : FailurePolicy.whileReplacingTree(reason)
    const failure = new MintFailure({
      code: codeOf(reason),
      message: messageOf(reason),
      retryable: disposition !== "fail"
    })
    return onFailure(mint, reason, disposition, rules, null, failure)
  }

  const tx = mint.transaction
  const { status } = observation
  if (tx !== null && status !== undefined && status.state === "landed") {
    if (status.err === null) return { _tag: "Complete", signature: tx.signature }
    // An adapter that cannot read the failure's logs leaves it unclassified: a failed attempt.
    const reason: ChainErrorReason =
      status.reason ?? new ProgramFailed({ program: "unknown", code: null, message: status.err, logs: [] })
    // The seed's code for a landed failure, kept: operators and reports know it.
    const failure = new MintFailure({ code: "transaction_failed", message: status.err, retryable: true })
    return onFailure(mint, reason, FailurePolicy.afterLanding(reason), rules, tx.signature, failure)
  }

  if (tx !== null && status !== undefined && observation.blockHeight !== undefined) {
    if (blockhashDead(tx.lastValidBlockHeight, observation.blockHeight)) {
      return observation.recheck
        ? {
            _tag: "Expire",
            signature: tx.signature,
            retryAfterMs: FailurePolicy.attemptBackoffMs(rules.policy, mint.attempts + 1)
          }
        : { _tag: "Recheck" }
    }
  }

  const lease = mint.lease
  const renewLease =
    lease !== null &&
    DateTime.toEpochMillis(lease.expiresAt) - DateTime.toEpochMillis(now) < rules.leaseMs / 2
  return {
    _tag: "Wait",
    ms: FailurePolicy.pollBackoffMs(rules.confirmPollMs, observation.unanswered),
    renewLease
  }
}
