/**
 * The mint state machine: a pure function of (mint, event, now). It never reads a clock and
 * never does I/O; the repository persists what it returns, under the mint's version.
 *
 *   pending ──Claimed──▶ minting ──Confirmed──▶ completed ──MarkedMissing──▶ missing_on_chain
 *      ▲                  │  ▲ Signed, LeaseRenewed, Claimed (takeover)        │
 *      └─Failed(retry)────┤  └ LeaseReleased/LeaseExpired with a live signature │
 *      └─ExpiredUnseen────┤ (this and Deferred are not the mint's fault:        │
 *      └─Deferred─────────┤  no attempt counted)                                │
 *                         └──Failed(final)/attempts exhausted──▶ failed ◀───────┘ (OperatorRetry ▶ pending)
 *
 *   imported ──Confirmed (the chain proves its leaf)──▶ completed
 *            ──OperatorRetry (its owner known)──▶ pending
 */
import { DateTime, Result } from "effect"
import { IllegalTransition } from "./IllegalTransition.ts"
import { ownerUnknown } from "./LegacyImport.ts"
import { Lease, Mint, MintFailure, type MintStatus } from "./Mint.ts"
import type { MintEvent } from "./MintEvent.ts"

type Outcome = Result.Result<Mint, IllegalTransition>

const isDue = (mint: Mint, now: DateTime.Utc) =>
  mint.nextAttemptAt === null || DateTime.isLessThanOrEqualTo(mint.nextAttemptAt, now)

const leaseLapsed = (mint: Mint, now: DateTime.Utc) =>
  mint.lease === null || DateTime.isLessThanOrEqualTo(mint.lease.expiresAt, now)

const change = (
  mint: Mint,
  now: DateTime.Utc,
  fields: Partial<ConstructorParameters<typeof Mint>[0]>
): Outcome => Result.succeed(new Mint({ ...mint, ...fields, updatedAt: now }))

const exhausted = (mint: Mint) =>
  new MintFailure({
    code: "attempts_exhausted",
    message: `gave up after ${mint.maxAttempts} attempts`,
    retryable: false
  })

/** Back to the queue after a failed attempt, or to `failed` once the attempts are spent. */
const afterFailedAttempt = (
  mint: Mint,
  now: DateTime.Utc,
  failure: MintFailure,
  retryAt: DateTime.Utc | null
): Outcome => {
  const attempts = Math.min(mint.attempts + 1, mint.maxAttempts)
  const common = { attempts, lease: null, transaction: null }
  if (failure.retryable && attempts < mint.maxAttempts) {
    return change(mint, now, { ...common, status: "pending", nextAttemptAt: retryAt ?? now, failure })
  }
  const final = failure.retryable ? exhausted(mint) : failure
  return change(mint, now, { ...common, status: "failed", nextAttemptAt: null, failure: final })
}

/** Handing a mint back: with a live signature it stays in flight for whoever claims it next. */
const handBack = (mint: Mint, now: DateTime.Utc): Outcome =>
  mint.transaction === null
    ? change(mint, now, { status: "pending", lease: null, nextAttemptAt: now })
    : change(mint, now, { lease: null })

export const transition = (mint: Mint, event: MintEvent, now: DateTime.Utc): Outcome => {
  const refuse = (message: string): Outcome =>
    Result.fail(new IllegalTransition({ mintId: mint.id, status: mint.status, event: event._tag, message }))
  const only = (...statuses: ReadonlyArray<MintStatus>) =>
    statuses.includes(mint.status)
      ? undefined
      : refuse(`${event._tag} cannot happen to a ${mint.status} mint`)

  switch (event._tag) {
    case "Claimed": {
      const lease = new Lease({ owner: event.owner, expiresAt: event.leaseExpiresAt })
      if (!DateTime.isGreaterThan(event.leaseExpiresAt, now)) return refuse("a lease must end in the future")
      if (mint.status === "pending") {
        if (!isDue(mint, now)) return refuse("the mint is not due yet")
        return change(mint, now, { status: "minting", lease, nextAttemptAt: null })
      }
      if (mint.status === "minting") {
        if (!leaseLapsed(mint, now)) return refuse(`the mint is leased to ${mint.lease?.owner}`)
        return change(mint, now, { lease })
      }
      return refuse(`a ${mint.status} mint cannot be claimed`)
    }
    case "LeaseRenewed": {
      const guard = only("minting")
      if (guard) return guard
      if (mint.lease?.owner !== event.owner) return refuse("only the lease holder can renew it")
      if (!DateTime.isGreaterThan(event.leaseExpiresAt, now)) return refuse("a lease must end in the future")
      return change(mint, now, { lease: new Lease({ owner: event.owner, expiresAt: event.leaseExpiresAt }) })
    }
    case "Signed": {
      const guard = only("minting")
      if (guard) return guard
      if (mint.lease === null) return refuse("only a leased mint can be signed")
      if (mint.transaction !== null) {
        return refuse(`signature ${mint.transaction.signature} is still live; it must expire unseen first`)
      }
      return change(mint, now, { transaction: event.transaction })
    }
    case "Confirmed": {
      if (mint.status === "completed") {
        return mint.asset?.assetId === event.asset.assetId
          ? Result.succeed(mint)
          : refuse(`the mint is completed as asset ${mint.asset?.assetId}`)
      }
      const guard = only("minting", "missing_on_chain", "failed", "imported")
      if (guard) return guard
      return change(mint, now, {
        status: "completed",
        asset: event.asset,
        lease: null,
        nextAttemptAt: null,
        failure: null,
        completedAt: now
      })
    }
    case "ExpiredUnseen": {
      const guard = only("minting")
      if (guard) return guard
      if (mint.transaction?.signature !== event.signature)
        return refuse("that is not the mint's live signature")
      // Not counted: the simulation accepted the mint, so a signature that never landed was sent
      // too late (the service's own queue under load) or dropped by the chain. Counted, a burst
      // the service could not keep up with failed mints for good.
      return change(mint, now, {
        status: "pending",
        lease: null,
        transaction: null,
        nextAttemptAt: event.retryAt,
        failure: new MintFailure({
          code: "blockhash_expired",
          message: `signature ${event.signature} expired unseen`,
          retryable: true
        })
      })
    }
    case "Failed": {
      const guard = only("minting")
      if (guard) return guard
      if (mint.transaction !== null && mint.transaction.signature !== event.settledSignature) {
        return refuse(
          `signature ${mint.transaction.signature} may still land; it cannot fail before it settles`
        )
      }
      return afterFailedAttempt(mint, now, event.failure, event.retryAt)
    }
    case "Deferred": {
      const guard = only("minting")
      if (guard) return guard
      if (mint.lease?.owner !== event.owner) return refuse("only the lease holder can defer it")
      if (mint.transaction !== null && mint.transaction.signature !== event.settledSignature) {
        return refuse(
          `signature ${mint.transaction.signature} may still land; it cannot be deferred before it settles`
        )
      }
      return change(mint, now, {
        status: "pending",
        lease: null,
        transaction: null,
        nextAttemptAt: event.retryAt,
        failure: event.failure
      })
    }
    case "LeaseReleased": {
      const guard = only("minting")
      if (guard) return guard
      if (mint.lease?.owner !== event.owner) return refuse("only the lease holder can release it")
      return handBack(mint, now)
    }
    case "LeaseExpired": {
      const guard = only("minting")
      if (guard) return guard
      if (!leaseLapsed(mint, now)) return refuse("the lease has not expired")
      return handBack(mint, now)
    }
    case "MarkedMissing": {
      const guard = only("completed")
      if (guard) return guard
      return change(mint, now, {
        status: "missing_on_chain",
        failure: new MintFailure({ code: "mint_missing", message: event.reason, retryable: false })
      })
    }
    case "OperatorRetry": {
      const guard = only("failed", "missing_on_chain", "imported")
      if (guard) return guard
      // Minting to a placeholder would give the ticket to nobody.
      if (ownerUnknown(mint))
        return refuse("the owner is unknown (imported): the platform requests the mint again")
      return change(mint, now, {
        status: "pending",
        attempts: 0,
        nextAttemptAt: now,
        lease: null,
        transaction: null,
        asset: null,
        failure: null,
        completedAt: null
      })
    }
  }
}
