/**
 * The worker's pure step: every observation the chain can give, and what it leads to. The
 * regressions of issue 12 are here as rows: a landed 0xbc4 on a vanished tree, an empty fee
 * payer, and a lastValidBlockHeight from a chain that restarted (its height near 0 again).
 */
import { assert, describe, it } from "@effect/vitest"
import {
  BlockhashNotFound,
  type ChainErrorReason,
  FailurePolicy,
  InsufficientFunds,
  InvalidRequest,
  Lease,
  MintStep,
  ProgramFailed,
  RateLimited,
  RpcUnavailable,
  Timeout,
  TreeFull,
  TreeMissing
} from "../src/index.ts"
import type { SignatureObservation } from "../src/Reconciliation.ts"
import { at, mintIn, signed, t0 } from "./fixtures.ts"

const rules: MintStep.Rules = {
  policy: FailurePolicy.defaultPolicy,
  confirmPollMs: 400,
  leaseMs: 30_000,
  deferralStreak: 1
}

const unsigned = mintIn("minting", { transaction: null })
const inFlight = mintIn("minting") // signature sig-1, lastValidBlockHeight 150

const prepareFailed = (reason: ChainErrorReason) =>
  MintStep.decide(unsigned, { _tag: "PrepareFailed", reason }, t0, rules)

const status = (
  observation: SignatureObservation | undefined,
  blockHeight?: number,
  recheck = false,
  unanswered = 0
): MintStep.Observation => ({ _tag: "Status", status: observation, blockHeight, recheck, unanswered })

const absent: SignatureObservation = { signature: "sig-1", state: "absent" }
const landed = (err: string | null, reason?: ChainErrorReason): SignatureObservation =>
  reason === undefined
    ? { signature: "sig-1", state: "landed", slot: 5, err }
    : { signature: "sig-1", state: "landed", slot: 5, err, reason }

describe("MintStep.decide: a failed prepare (nothing signed yet)", () => {
  it("the chain's own trouble defers with no attempt counted, backing off by the streak", () => {
    for (const reason of [
      new RateLimited({ method: "simulateTransaction", retryAfterMs: null }),
      new Timeout({ method: "simulateTransaction" }),
      new RpcUnavailable({ method: "simulateTransaction", message: "ECONNREFUSED" })
    ]) {
      assert.deepStrictEqual(prepareFailed(reason), {
        _tag: "Defer",
        reason,
        delayMs: 1_000,
        settledSignature: null
      })
    }
    const third = MintStep.decide(
      unsigned,
      { _tag: "PrepareFailed", reason: new Timeout({ method: "x" }) },
      t0,
      { ...rules, deferralStreak: 3 }
    )
    assert.strictEqual(third._tag === "Defer" && third.delayMs, 4_000)
  })

  it("an empty fee payer defers (an operator must fund it), with the longer backoff", () => {
    const action = prepareFailed(new InsufficientFunds({ account: "payer", message: "no lamports" }))
    assert.strictEqual(action._tag, "Defer")
    assert.strictEqual(action._tag === "Defer" && action.delayMs, 10_000)
  })

  it("a full or missing tree rotates the tree; the mint is not failed", () => {
    assert.strictEqual(prepareFailed(new TreeFull({ tree: "t" }))._tag, "Rotate")
    // The 88 mints failed with program_failed 0xbc4: the adapter now says TreeMissing.
    assert.strictEqual(prepareFailed(new TreeMissing({ tree: "t" }))._tag, "Rotate")
  })

  it("a stale blockhash is the service's lateness: deferred at once, no attempt counted", () => {
    assert.deepStrictEqual(prepareFailed(new BlockhashNotFound()), {
      _tag: "Defer",
      reason: new BlockhashNotFound(),
      delayMs: 0,
      settledSignature: null
    })
  })

  it("a refusal of the request fails for good", () => {
    for (const reason of [
      new InvalidRequest({ message: "bad owner" }),
      new ProgramFailed({ program: "p", code: 6004, message: "refused", logs: [] })
    ]) {
      const action = prepareFailed(reason)
      assert.strictEqual(action._tag, "Fail")
      if (action._tag !== "Fail") return
      assert.isNull(action.retryAfterMs)
      assert.isFalse(action.failure.retryable)
    }
  })
})

describe("MintStep.decide: the live signature's status", () => {
  it("landed without error completes", () => {
    assert.deepStrictEqual(MintStep.decide(inFlight, status(landed(null)), t0, rules), {
      _tag: "Complete",
      signature: "sig-1"
    })
  })

  it("landed with a classified tree error rotates, settling the signature; no attempt counted", () => {
    for (const reason of [new TreeFull({ tree: "tree-1" }), new TreeMissing({ tree: "tree-1" })]) {
      const action = MintStep.decide(
        inFlight,
        status(landed('{"InstructionError":[2,{"Custom":3012}]}', reason)),
        t0,
        rules
      )
      assert.deepStrictEqual(action, { _tag: "Rotate", reason, settledSignature: "sig-1" })
    }
  })

  it("landed with an empty fee payer defers, settling the signature", () => {
    const reason = new InsufficientFunds({ account: "payer", message: "x" })
    const action = MintStep.decide(
      inFlight,
      status(landed('{"InstructionError":[1,{"Custom":1}]}', reason)),
      t0,
      rules
    )
    assert.strictEqual(action._tag, "Defer")
    assert.strictEqual(action._tag === "Defer" && action.settledSignature, "sig-1")
  })

  it("landed with any other error, or one the adapter could not classify, is a failed attempt to retry", () => {
    for (const observation of [
      landed('{"InstructionError":[2,{"Custom":6004}]}'),
      landed(
        '{"InstructionError":[2,{"Custom":6004}]}',
        new ProgramFailed({ program: "p", code: 6004, message: "m", logs: [] })
      )
    ]) {
      const action = MintStep.decide(inFlight, status(observation), t0, rules)
      assert.strictEqual(action._tag, "Fail")
      if (action._tag !== "Fail") return
      assert.strictEqual(action.failure.code, "transaction_failed")
      assert.strictEqual(action.retryAfterMs, 2_000)
      assert.strictEqual(action.settledSignature, "sig-1")
    }
  })

  it("absent below its last valid block: wait and re-send", () => {
    const action = MintStep.decide(inFlight, status(absent, 149), t0, rules)
    assert.deepStrictEqual(action, { _tag: "Wait", ms: 400, renewLease: false })
  })

  it("absent past its last valid block: read once more, then expire (counted)", () => {
    assert.deepStrictEqual(MintStep.decide(inFlight, status(absent, 151), t0, rules), { _tag: "Recheck" })
    assert.deepStrictEqual(MintStep.decide(inFlight, status(absent, 151, true), t0, rules), {
      _tag: "Expire",
      signature: "sig-1",
      retryAfterMs: 2_000
    })
    // Landed in between: the recheck completes it.
    assert.strictEqual(MintStep.decide(inFlight, status(landed(null), 151, true), t0, rules)._tag, "Complete")
  })

  it("a chain restarted empty: a lastValidBlockHeight its height cannot reach counts as expired once absent", () => {
    // The case: signed at height ~925 (last valid 1075), the new chain stands near 0.
    const old = mintIn("minting", { transaction: signed("sig-1", 1_075) })
    assert.deepStrictEqual(MintStep.decide(old, status(absent, 3), t0, rules), { _tag: "Recheck" })
    assert.strictEqual(MintStep.decide(old, status(absent, 3, true), t0, rules)._tag, "Expire")
    // A node lagging behind (the fault suite's 120 blocks) is not a reset: keep waiting.
    assert.strictEqual(MintStep.decide(old, status(absent, 1_075 - 150 - 120), t0, rules)._tag, "Wait")
    assert.isTrue(MintStep.blockhashDead(1_075, 1_075 - 150 - 151))
    assert.isFalse(MintStep.blockhashDead(1_075, 1_075 - 150 - 150))
  })

  it("unanswered reads slow the poll down, capped; the lease is renewed once half is gone", () => {
    const slow = MintStep.decide(inFlight, status(undefined, undefined, false, 3), t0, rules)
    assert.deepStrictEqual(slow, { _tag: "Wait", ms: 3_200, renewLease: false })
    const capped = MintStep.decide(inFlight, status(undefined, undefined, false, 10), t0, rules)
    assert.strictEqual(capped._tag === "Wait" && capped.ms, FailurePolicy.MAX_POLL_BACKOFF_MS)
    const leased = mintIn("minting", { lease: new Lease({ owner: "w", expiresAt: at(10) }) })
    assert.deepStrictEqual(MintStep.decide(leased, status(absent, 10), t0, rules), {
      _tag: "Wait",
      ms: 400,
      renewLease: true
    })
  })
})

describe("MintStep.decide: no tree to mint into (issue 12: 25 of 7,500 failed at 250/s as a tree filled)", () => {
  // Creating the successor of a full tree is the service's transaction: under overload its
  // blockhash expires, the endpoint times out, or a program refuses it. Each used to reach the
  // mint as its own prepare's failure: a stale blockhash counted an attempt (three made the mint
  // fail for good), a refusal failed it at once.
  const treeUnavailable = (reason: ChainErrorReason, deferralStreak = 1) =>
    MintStep.decide(unsigned, { _tag: "TreeUnavailable", reason }, t0, { ...rules, deferralStreak })

  it("whatever the creation failed with, the mint is deferred with no attempt counted", () => {
    for (const reason of [
      new BlockhashNotFound(),
      new Timeout({ method: "sendTransaction" }),
      new ProgramFailed({ program: "p", code: 6004, message: "refused", logs: [] }),
      new InvalidRequest({ message: "the cluster rejected the transaction" }),
      new InsufficientFunds({ account: "payer", message: "no lamports for the rent" })
    ]) {
      const action = treeUnavailable(reason)
      assert.strictEqual(action._tag, "Defer", reason._tag)
    }
  })

  it("the deferral backs off like the chain's other trouble, at once for a stale blockhash", () => {
    const wait = (reason: ChainErrorReason, streak: number) => {
      const action = treeUnavailable(reason, streak)
      return action._tag === "Defer" ? action.delayMs : undefined
    }
    assert.strictEqual(wait(new BlockhashNotFound(), 3), 0)
    assert.strictEqual(wait(new Timeout({ method: "m" }), 3), 4_000)
    assert.strictEqual(wait(new InsufficientFunds({ account: "a", message: "x" }), 1), 10_000)
  })

  it("a mint on its last attempt is still only deferred", () => {
    const last = mintIn("minting", { transaction: null, attempts: 2 })
    const action = MintStep.decide(
      last,
      { _tag: "TreeUnavailable", reason: new BlockhashNotFound() },
      t0,
      rules
    )
    assert.strictEqual(action._tag, "Defer")
  })
})

describe("FailurePolicy", () => {
  it("every reason has one disposition before signing and one after landing", () => {
    const reasons: ReadonlyArray<ChainErrorReason> = [
      new RateLimited({ method: "m", retryAfterMs: 5_000 }),
      new Timeout({ method: "m" }),
      new RpcUnavailable({ method: "m", message: "x" }),
      new BlockhashNotFound(),
      new InsufficientFunds({ account: "a", message: "x" }),
      new TreeFull({ tree: "t" }),
      new TreeMissing({ tree: "t" }),
      new ProgramFailed({ program: "p", code: 1, message: "x", logs: [] }),
      new InvalidRequest({ message: "x" })
    ]
    assert.deepStrictEqual(
      reasons.map((r) => [r._tag, FailurePolicy.beforeSigning(r), FailurePolicy.afterLanding(r)]),
      [
        ["RateLimited", "defer", "retry"],
        ["Timeout", "defer", "retry"],
        ["RpcUnavailable", "defer", "retry"],
        ["BlockhashNotFound", "defer", "retry"],
        ["InsufficientFunds", "defer", "defer"],
        ["TreeFull", "rotate", "rotate"],
        ["TreeMissing", "rotate", "rotate"],
        ["ProgramFailed", "fail", "retry"],
        ["InvalidRequest", "fail", "retry"]
      ]
    )
  })

  it("deferral backoff: doubling to its cap, at least Retry-After, at once for a tree", () => {
    const away = new Timeout({ method: "m" })
    assert.deepStrictEqual(
      [1, 2, 3, 6, 7].map((n) => FailurePolicy.deferralBackoffMs(away, n)),
      [1_000, 2_000, 4_000, 30_000, 30_000]
    )
    const payer = new InsufficientFunds({ account: "a", message: "x" })
    assert.deepStrictEqual(
      [1, 2, 5].map((n) => FailurePolicy.deferralBackoffMs(payer, n)),
      [10_000, 20_000, 120_000]
    )
    assert.strictEqual(
      FailurePolicy.deferralBackoffMs(new RateLimited({ method: "m", retryAfterMs: 7_000 }), 1),
      7_000
    )
    assert.strictEqual(FailurePolicy.deferralBackoffMs(new TreeMissing({ tree: "t" }), 4), 0)
  })
})
