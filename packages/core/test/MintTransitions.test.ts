import { assert, describe, it } from "@effect/vitest"
import { DateTime, Result, Schema } from "effect"
import {
  Lease,
  LegacyImport,
  type Mint,
  MintEvent,
  type MintEventTag,
  MintFailure,
  MintRequest,
  type MintStatus,
  MintTransitions,
  mintEventTags,
  mintStatuses
} from "../src/index.ts"
import { asset, at, mintIn, signed, t0 } from "./fixtures.ts"

const now = at(60)
const retryable = new MintFailure({ code: "rpc_unavailable", message: "x", retryable: true })

/** One representative event of each kind, as a well-behaved caller would send it. */
const eventFor = (tag: MintEventTag, mint: Mint): MintEvent => {
  switch (tag) {
    case "Claimed":
      return { _tag: "Claimed", owner: "worker-b", leaseExpiresAt: at(90) }
    case "LeaseRenewed":
      return { _tag: "LeaseRenewed", owner: mint.lease?.owner ?? "worker-a", leaseExpiresAt: at(120) }
    case "Signed":
      return { _tag: "Signed", transaction: signed("sig-2") }
    case "Confirmed":
      return { _tag: "Confirmed", asset: asset(mint.transaction?.signature ?? "sig-1") }
    case "ExpiredUnseen":
      return { _tag: "ExpiredUnseen", signature: mint.transaction?.signature ?? "sig-1", retryAt: at(62) }
    case "Failed":
      return {
        _tag: "Failed",
        failure: retryable,
        retryAt: at(62),
        settledSignature: mint.transaction?.signature ?? null
      }
    case "Deferred":
      return {
        _tag: "Deferred",
        owner: mint.lease?.owner ?? "worker-a",
        failure: retryable,
        retryAt: at(62),
        settledSignature: mint.transaction?.signature ?? null
      }
    case "LeaseReleased":
      return { _tag: "LeaseReleased", owner: mint.lease?.owner ?? "worker-a" }
    case "LeaseExpired":
      return { _tag: "LeaseExpired" }
    case "MarkedMissing":
      return { _tag: "MarkedMissing", reason: "not on chain" }
    case "OperatorRetry":
      return { _tag: "OperatorRetry" }
  }
}

/**
 * The whole table: for each state (as fixtures.mintIn builds it; the minting mint holds a live
 * lease and a signature) and each event, the status it leads to, or null when it is refused.
 */
const table: Record<MintStatus, Record<MintEventTag, MintStatus | null>> = {
  pending: {
    Claimed: "minting",
    LeaseRenewed: null,
    Signed: null,
    Confirmed: null,
    ExpiredUnseen: null,
    Failed: null,
    Deferred: null,
    LeaseReleased: null,
    LeaseExpired: null,
    MarkedMissing: null,
    OperatorRetry: null
  },
  minting: {
    Claimed: null, // the lease is live
    LeaseRenewed: "minting",
    Signed: null, // a live signature must expire first
    Confirmed: "completed",
    ExpiredUnseen: "pending",
    Failed: "pending",
    Deferred: "pending", // its signature settled (landed in a full tree)
    LeaseReleased: "minting", // handed back with its signature
    LeaseExpired: null, // not expired yet
    MarkedMissing: null,
    OperatorRetry: null
  },
  completed: {
    Claimed: null,
    LeaseRenewed: null,
    Signed: null,
    Confirmed: "completed",
    ExpiredUnseen: null,
    Failed: null,
    Deferred: null,
    LeaseReleased: null,
    LeaseExpired: null,
    MarkedMissing: "missing_on_chain",
    OperatorRetry: null
  },
  failed: {
    Claimed: null,
    LeaseRenewed: null,
    Signed: null,
    Confirmed: "completed",
    ExpiredUnseen: null,
    Failed: null,
    Deferred: null,
    LeaseReleased: null,
    LeaseExpired: null,
    MarkedMissing: null,
    OperatorRetry: "pending"
  },
  missing_on_chain: {
    Claimed: null,
    LeaseRenewed: null,
    Signed: null,
    Confirmed: "completed",
    ExpiredUnseen: null,
    Failed: null,
    Deferred: null,
    LeaseReleased: null,
    LeaseExpired: null,
    MarkedMissing: null,
    OperatorRetry: "pending"
  },
  imported: {
    Claimed: null, // the worker never takes an imported mint
    LeaseRenewed: null,
    Signed: null,
    Confirmed: "completed", // the chain proved its leaf
    ExpiredUnseen: null,
    Failed: null,
    Deferred: null,
    LeaseReleased: null,
    LeaseExpired: null,
    MarkedMissing: null,
    OperatorRetry: "pending" // its owner is known
  }
}

describe("MintTransitions: every (state, event) pair", () => {
  for (const status of mintStatuses) {
    for (const tag of mintEventTags) {
      const expected = table[status][tag]
      it(`${status} + ${tag} -> ${expected ?? "refused"}`, () => {
        const mint = mintIn(status)
        const result = MintTransitions.transition(mint, eventFor(tag, mint), now)
        if (expected === null) {
          assert.isTrue(Result.isFailure(result))
          if (Result.isFailure(result)) {
            assert.strictEqual(result.failure._tag, "IllegalTransition")
            assert.strictEqual(result.failure.status, status)
            assert.strictEqual(result.failure.event, tag)
          }
        } else {
          assert.isTrue(Result.isSuccess(result))
          if (Result.isSuccess(result)) assert.strictEqual(result.success.status, expected)
        }
      })
    }
  }
})

const ok = (result: Result.Result<Mint, unknown>): Mint => {
  if (Result.isFailure(result)) throw new Error(`expected success, got ${String(result.failure)}`)
  return result.success
}
const refused = (result: Result.Result<Mint, unknown>) => assert.isTrue(Result.isFailure(result))

describe("MintTransitions: guards", () => {
  it("a pending mint is claimed only when due", () => {
    const mint = mintIn("pending", { nextAttemptAt: at(120) })
    refused(MintTransitions.transition(mint, { _tag: "Claimed", owner: "w", leaseExpiresAt: at(150) }, now))
    const claimed = ok(
      MintTransitions.transition(mint, { _tag: "Claimed", owner: "w", leaseExpiresAt: at(150) }, at(120))
    )
    assert.strictEqual(claimed.lease?.owner, "w")
    assert.isNull(claimed.nextAttemptAt)
  })

  it("a lease must end in the future", () => {
    refused(
      MintTransitions.transition(mintIn("pending"), { _tag: "Claimed", owner: "w", leaseExpiresAt: now }, now)
    )
  })

  it("an in-flight mint whose lease lapsed is taken over with its signature kept", () => {
    const mint = mintIn("minting", { lease: new Lease({ owner: "worker-a", expiresAt: at(10) }) })
    const taken = ok(
      MintTransitions.transition(mint, { _tag: "Claimed", owner: "worker-b", leaseExpiresAt: at(90) }, now)
    )
    assert.strictEqual(taken.status, "minting")
    assert.strictEqual(taken.lease?.owner, "worker-b")
    assert.strictEqual(taken.transaction?.signature, "sig-1")
  })

  it("only the lease holder renews or releases", () => {
    const mint = mintIn("minting")
    refused(
      MintTransitions.transition(mint, { _tag: "LeaseRenewed", owner: "other", leaseExpiresAt: at(120) }, now)
    )
    refused(MintTransitions.transition(mint, { _tag: "LeaseReleased", owner: "other" }, now))
  })

  it("a released mint without a signature goes back to pending at once", () => {
    const mint = mintIn("minting", { transaction: null })
    const released = ok(MintTransitions.transition(mint, { _tag: "LeaseReleased", owner: "worker-a" }, now))
    assert.strictEqual(released.status, "pending")
    assert.isTrue(DateTime.Equivalence(released.nextAttemptAt!, now))
  })

  it("a deferred mint goes back to the queue at retryAt without counting an attempt", () => {
    const deferral = (owner: string, settledSignature: string | null) =>
      ({ _tag: "Deferred", owner, failure: retryable, retryAt: at(75), settledSignature }) as const
    const mint = mintIn("minting", { transaction: null, attempts: 1 })
    const deferred = ok(MintTransitions.transition(mint, deferral("worker-a", null), now))
    assert.strictEqual(deferred.status, "pending")
    assert.strictEqual(deferred.attempts, 1)
    assert.isNull(deferred.lease)
    assert.isTrue(DateTime.Equivalence(deferred.nextAttemptAt!, at(75)))
    assert.strictEqual(deferred.failure?.code, "rpc_unavailable")
    // Only its lease holder defers it.
    refused(MintTransitions.transition(mint, deferral("other", null), now))
    // With a signature in flight only once that signature is known final, which clears it.
    refused(MintTransitions.transition(mintIn("minting"), deferral("worker-a", null), now))
    refused(MintTransitions.transition(mintIn("minting"), deferral("worker-a", "sig-other"), now))
    const settled = ok(MintTransitions.transition(mintIn("minting"), deferral("worker-a", "sig-1"), now))
    assert.strictEqual(settled.status, "pending")
    assert.strictEqual(settled.attempts, 0)
    assert.isNull(settled.transaction)
  })

  it("an expired lease hands the mint back", () => {
    const mint = mintIn("minting", { lease: new Lease({ owner: "worker-a", expiresAt: at(10) }) })
    const expired = ok(MintTransitions.transition(mint, { _tag: "LeaseExpired" }, now))
    assert.isNull(expired.lease)
    assert.strictEqual(expired.transaction?.signature, "sig-1")
  })

  it("signing needs a lease and no live signature", () => {
    const fresh = mintIn("minting", { transaction: null })
    const s = ok(MintTransitions.transition(fresh, { _tag: "Signed", transaction: signed("sig-9") }, now))
    assert.strictEqual(s.transaction?.signature, "sig-9")
    refused(
      MintTransitions.transition(
        mintIn("minting", { transaction: null, lease: null }),
        {
          _tag: "Signed",
          transaction: signed("sig-9")
        },
        now
      )
    )
  })

  it("a live signature cannot fail before it settles", () => {
    const mint = mintIn("minting")
    refused(
      MintTransitions.transition(
        mint,
        { _tag: "Failed", failure: retryable, retryAt: null, settledSignature: null },
        now
      )
    )
    refused(
      MintTransitions.transition(mint, { _tag: "ExpiredUnseen", signature: "other", retryAt: now }, now)
    )
  })

  it("a permanent failure is final at once", () => {
    const mint = mintIn("minting", { transaction: null })
    const permanent = new MintFailure({ code: "insufficient_funds", message: "x", retryable: false })
    const failed = ok(
      MintTransitions.transition(
        mint,
        { _tag: "Failed", failure: permanent, retryAt: null, settledSignature: null },
        now
      )
    )
    assert.strictEqual(failed.status, "failed")
    assert.strictEqual(failed.failure?.code, "insufficient_funds")
    assert.strictEqual(failed.attempts, 1)
  })

  it("an expired signature never fails the mint: requeued with no attempt counted, on its last attempt too", () => {
    const mint = mintIn("minting", { attempts: 2 })
    const requeued = ok(
      MintTransitions.transition(mint, { _tag: "ExpiredUnseen", signature: "sig-1", retryAt: at(64) }, now)
    )
    assert.strictEqual(requeued.status, "pending")
    assert.strictEqual(requeued.attempts, 2)
    assert.strictEqual(requeued.failure?.code, "blockhash_expired")
    assert.isTrue(DateTime.Equivalence(requeued.nextAttemptAt!, at(64)))
    assert.isNull(requeued.transaction)
    assert.isNull(requeued.lease)
  })

  it("confirming a completed mint again is idempotent; with another asset it is refused", () => {
    const mint = mintIn("completed")
    assert.strictEqual(ok(MintTransitions.transition(mint, { _tag: "Confirmed", asset: asset() }, now)), mint)
    refused(MintTransitions.transition(mint, { _tag: "Confirmed", asset: asset("sig-1", "asset-2") }, now))
  })

  it("an operator retry starts over", () => {
    const retried = ok(MintTransitions.transition(mintIn("missing_on_chain"), { _tag: "OperatorRetry" }, now))
    assert.strictEqual(retried.attempts, 0)
    assert.isNull(retried.asset)
    assert.isNull(retried.failure)
    assert.isNull(retried.completedAt)
  })
})

describe("MintTransitions: properties", () => {
  const Events = Schema.Array(MintEvent)

  const run = (events: ReadonlyArray<MintEvent>) => {
    let mint = mintIn("pending", { createdAt: t0, nextAttemptAt: null })
    const seen: Array<Mint> = [mint]
    events.forEach((event, i) => {
      const result = MintTransitions.transition(mint, event, at(i))
      if (Result.isSuccess(result)) {
        mint = result.success
        seen.push(mint)
      }
    })
    return seen
  }

  it.prop("no event sequence reaches an inconsistent state", [Events], ([events]) => {
    for (const mint of run(events)) {
      assert.isTrue(mint.attempts >= 0 && mint.attempts <= mint.maxAttempts, "attempts within bounds")
      if (mint.status === "completed") assert.isNotNull(mint.asset, "a completed mint has its asset")
      if (mint.status === "minting") assert.isNull(mint.nextAttemptAt)
      if (mint.status !== "minting") assert.isNull(mint.lease, "only a minting mint holds a lease")
      if (mint.status === "pending") assert.isNull(mint.transaction, "a pending mint has no live signature")
      if (mint.status === "failed") assert.isNotNull(mint.failure)
    }
  })

  it.prop("a completed mint never changes its asset id while it stays completed", [Events], ([events]) => {
    const seen = run(events)
    for (let i = 1; i < seen.length; i++) {
      const before = seen[i - 1]!
      const after = seen[i]!
      if (before.status === "completed" && after.status === "completed") {
        assert.strictEqual(after.asset?.assetId, before.asset?.assetId)
      }
    }
  })

  it.prop("a refused event leaves the mint exactly as it was", [Events], ([events]) => {
    let mint = mintIn("minting")
    events.forEach((event, i) => {
      const before = mint
      const result = MintTransitions.transition(mint, event, at(i))
      if (Result.isFailure(result)) assert.strictEqual(mint, before)
      else mint = result.success
    })
  })
})

describe("MintTransitions: imported mints", () => {
  it("an imported mint whose owner is unknown is never retried as is", () => {
    const mint = mintIn("imported", {
      request: new MintRequest({
        ticketId: "ticket-1",
        orderId: "o",
        eventId: "e",
        owner: LegacyImport.unknownOwner
      })
    })
    const result = MintTransitions.transition(mint, { _tag: "OperatorRetry" }, now)
    assert.isTrue(Result.isFailure(result))
    if (Result.isFailure(result)) assert.match(result.failure.message, /owner is unknown/)
  })
})
