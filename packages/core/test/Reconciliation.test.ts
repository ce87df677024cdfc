import { assert, describe, it } from "@effect/vitest"
import { Schema } from "effect"
import { Lease, MintedAsset, type MintStatus, Reconciliation } from "../src/index.ts"
import { asset, at, mintIn, owner, signed } from "./fixtures.ts"

const db = (status: MintStatus, overrides = {}) => ({
  mint: mintIn(status, overrides),
  expectedDataHash: "hash-1",
  lastValidBlockHeights: new Map([["sig-1", 150]])
})
const landed = (err: string | null = null) => ({
  signature: "sig-1",
  state: "landed" as const,
  slot: 10,
  err
})
const absent = { signature: "sig-1", state: "absent" as const }

const judge = (
  d: ReturnType<typeof db>,
  signature: Reconciliation.SignatureObservation,
  leaf: MintedAsset | null,
  blockHeight = 100
) => Reconciliation.judge(d, { signatures: [signature], leaf, blockHeight })

describe("Reconciliation rules", () => {
  it("a completed mint whose leaf matches is a success", () => {
    const f = judge(db("completed"), landed(), asset())
    assert.strictEqual(f.reasonCode, "success")
    assert.strictEqual(f.action, "none")
  })

  it("a completed mint whose transaction is not on chain is mint_missing, marked missing", () => {
    const f = judge(db("completed"), absent, null)
    assert.strictEqual(f.reasonCode, "mint_missing")
    assert.strictEqual(f.action, "mark_missing")
  })

  it("a completed mint whose transaction failed on chain is transaction_failed", () => {
    assert.strictEqual(
      judge(db("completed"), landed('{"InstructionError":[0,"x"]}'), null).reasonCode,
      "transaction_failed"
    )
  })

  it("metadata altered after minting, or another owner, is metadata_mismatch", () => {
    const altered = { ...db("completed"), expectedDataHash: "hash-2" }
    assert.strictEqual(judge(altered, landed(), asset()).reasonCode, "metadata_mismatch")
    const otherOwner = new MintedAsset({ ...asset(), owner: "So11111111111111111111111111111111111111112" })
    const f = judge(db("completed"), landed(), otherOwner)
    assert.strictEqual(f.reasonCode, "metadata_mismatch")
    assert.include(f.details, "owner")
  })

  it("an in-flight mint whose signature landed is completed from the chain", () => {
    const f = judge(db("minting"), landed(), asset())
    assert.strictEqual(f.reasonCode, "success")
    assert.strictEqual(f.action, "mark_completed")
  })

  it("an in-flight mint whose blockhash expired unseen is db_orphaned and requeued", () => {
    const f = judge(db("minting"), absent, null, 151)
    assert.strictEqual(f.reasonCode, "db_orphaned")
    assert.strictEqual(f.action, "requeue")
  })

  it("an in-flight mint whose blockhash still lives is left alone", () => {
    const f = judge(db("minting"), absent, null, 150)
    assert.strictEqual(f.action, "none")
    assert.strictEqual(f.reasonCode, "success")
  })

  it("an in-flight signature that landed with an error is transaction_failed", () => {
    assert.strictEqual(judge(db("minting"), landed("boom"), null).reasonCode, "transaction_failed")
  })

  it("a missing mint that reappears on chain is completed; still absent stays missing", () => {
    assert.strictEqual(judge(db("missing_on_chain"), landed(), asset()).action, "mark_completed")
    const f = judge(db("missing_on_chain"), absent, null)
    assert.strictEqual(f.reasonCode, "mint_missing")
    assert.strictEqual(f.action, "none")
  })

  it("a leaf no mint accounts for is chain_orphaned", () => {
    assert.strictEqual(Reconciliation.orphanedLeaf(asset("sig-x", "asset-x")).reasonCode, "chain_orphaned")
  })

  it("counts follow the seed's report columns", () => {
    const findings = [
      judge(db("completed"), landed(), asset()),
      judge(db("completed"), absent, null),
      judge(db("minting"), absent, null, 999),
      judge(db("completed"), landed("x"), null),
      Reconciliation.orphanedLeaf(asset())
    ]
    const counts = Reconciliation.count(findings)
    assert.deepStrictEqual(
      {
        dbToChain: counts.dbToChain,
        chainToDb: counts.chainToDb,
        mismatches: counts.mismatches,
        success: counts.success
      },
      { dbToChain: 2, chainToDb: 1, mismatches: 1, success: 1 }
    )
    assert.deepStrictEqual(findings.filter(Reconciliation.isNotable).length, 4)
  })

  const Observation = Schema.Struct({
    status: Schema.Literals(["pending", "minting", "completed", "failed", "missing_on_chain"]),
    state: Schema.Literals(["absent", "landed"]),
    err: Schema.NullOr(Schema.String),
    withLeaf: Schema.Boolean,
    sameHash: Schema.Boolean,
    blockHeight: Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 400 }))
  })

  it.prop("never proposes a repair the chain does not prove", [Observation], ([o]) => {
    const mint = mintIn(o.status, {
      lease: o.status === "minting" ? new Lease({ owner: "w", expiresAt: at(10) }) : null,
      transaction: o.status === "pending" || o.status === "failed" ? null : signed(),
      asset: o.status === "completed" || o.status === "missing_on_chain" ? asset() : null
    })
    const observation = o.state === "absent" ? absent : landed(o.err)
    const leaf = o.withLeaf && o.state === "landed" && o.err === null ? asset() : null
    const f = Reconciliation.judge(
      { mint, expectedDataHash: o.sameHash ? "hash-1" : "other", lastValidBlockHeights: new Map() },
      { signatures: [observation], leaf, blockHeight: o.blockHeight }
    )
    if (f.action === "mark_completed") {
      assert.isTrue(
        observation.state === "landed" && observation.err === null && leaf !== null && leaf.owner === owner
      )
    }
    if (f.action === "requeue") {
      assert.isTrue(o.status === "minting" && observation.state === "absent" && o.blockHeight > 150)
    }
    if (f.action === "mark_missing") assert.isTrue(o.status === "completed" && observation.state === "absent")
    assert.notStrictEqual(f.action as string, "mint")
  })
})
