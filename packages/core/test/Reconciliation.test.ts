import { assert, describe, it } from "@effect/vitest"
import { Schema } from "effect"
import {
  Lease,
  LegacyImport,
  MintedAsset,
  MintRequest,
  type MintStatus,
  Reconciliation,
  ReplicaLeaf
} from "../src/index.ts"
import { asset, at, mintIn, owner, signed } from "./fixtures.ts"

const db = (status: MintStatus, overrides = {}, signatures = ["sig-1"]) => ({
  mint: mintIn(status, overrides),
  expectedDataHash: "hash-1",
  signatures
})
const landed = (err: string | null = null, signature = "sig-1") => ({
  signature,
  state: "landed" as const,
  slot: 10,
  err
})
const absent = { signature: "sig-1", state: "absent" as const }

/** The replica's leaf of a mint made by `sig-1`, as it stands on chain. */
const leaf = (overrides: Partial<ConstructorParameters<typeof ReplicaLeaf>[0]> = {}) =>
  new ReplicaLeaf({
    tree: "tree-1",
    leafIndex: 0,
    leafHash: "leaf-hash",
    state: "live",
    assetId: "asset-1",
    owner,
    delegate: owner,
    nonce: 0,
    dataHash: "hash-1",
    creatorHash: "creators",
    mintedSignature: "sig-1",
    mintedSlot: 10,
    mintedOwner: owner,
    mintedDataHash: "hash-1",
    mintedCreatorHash: "creators",
    mintedUri: "http://localhost/metadata/ticket-1",
    ticketId: "ticket-1",
    lastSignature: "sig-1",
    lastSeq: 1,
    ...overrides
  })

const judge = (
  d: Reconciliation.DbObservation,
  leaves: ReadonlyArray<ReplicaLeaf>,
  signatures: ReadonlyArray<Reconciliation.SignatureObservation> = [],
  blockHeight = 100
) => Reconciliation.judge(d, { leaves, signatures, blockHeight })

const other = "So11111111111111111111111111111111111111112"

describe("Reconciliation rules (against the replica)", () => {
  it("a completed mint whose leaf matches is a success, whoever holds it now", () => {
    assert.strictEqual(judge(db("completed"), [leaf()]).reasonCode, "success")
    const transferred = judge(db("completed"), [leaf({ owner: other, delegate: other })])
    assert.strictEqual(transferred.reasonCode, "success", "a holder's transfer is not a mismatch")
    assert.strictEqual(judge(db("completed"), [leaf({ state: "burned" })]).reasonCode, "success")
  })

  it("the owner edited in the database is a mismatch: the leaf on chain says otherwise", () => {
    // Edited consistently: the request's owner and the recorded asset's owner both.
    const edited = mintIn("completed", {
      request: new MintRequest({
        ticketId: "ticket-1",
        orderId: "order-1",
        eventId: "event-1",
        owner: other
      }),
      asset: new MintedAsset({ ...asset(), owner: other })
    })
    const f = judge({ mint: edited, expectedDataHash: "hash-1", signatures: ["sig-1"] }, [leaf()])
    assert.strictEqual(f.reasonCode, "metadata_mismatch")
    assert.include(f.details, `owner ${owner} on chain, ${other} in the database`)
  })

  it("a data hash that differs from the database's metadata is a mismatch", () => {
    const f = judge({ ...db("completed"), expectedDataHash: "hash-2" }, [leaf()])
    assert.strictEqual(f.reasonCode, "metadata_mismatch")
    assert.include(f.details, "data hash")
  })

  it("signatures swapped in the row: the leaf found by an attempt's signature is not missing", () => {
    const swapped = db("completed", { transaction: signed("random"), asset: asset("random") }, [
      "sig-1",
      "random"
    ])
    const f = judge(swapped, [leaf()])
    assert.strictEqual(f.reasonCode, "metadata_mismatch")
    assert.notStrictEqual(f.action, "mark_missing")
    assert.include(f.details, "minted by sig-1 on chain, random in the database")
  })

  it("two leaves for one ticket is double_mint, flagged, never repaired", () => {
    const f = judge(db("completed"), [
      leaf(),
      leaf({ leafIndex: 5, assetId: "asset-2", mintedSignature: "sig-9" })
    ])
    assert.strictEqual(f.reasonCode, "double_mint")
    assert.strictEqual(f.action, "flag")
  })

  it("a completed mint with no leaf: missing only if none of its signatures landed", () => {
    const f = judge(db("completed"), [], [absent])
    assert.strictEqual(f.reasonCode, "mint_missing")
    assert.strictEqual(f.action, "mark_missing")
    const failed = judge(db("completed"), [], [landed('{"InstructionError":[0,"x"]}')])
    assert.strictEqual(failed.reasonCode, "transaction_failed")
    assert.strictEqual(failed.action, "flag")
    const landedNoLeaf = judge(db("completed"), [], [landed()])
    assert.strictEqual(landedNoLeaf.reasonCode, "metadata_mismatch")
    assert.strictEqual(landedNoLeaf.action, "flag")
  })

  it("a missing mint whose tree an operator declared lost says so, and is repaired the same way", () => {
    const observed = { leaves: [], signatures: [absent], blockHeight: 100 }
    const lost = Reconciliation.judge(db("completed"), { ...observed, lostTrees: new Set(["tree-1"]) })
    assert.deepStrictEqual([lost.reasonCode, lost.action], ["mint_missing", "mark_missing"])
    assert.include(lost.details, "its leaf was in tree tree-1, which an operator declared lost")
    const elsewhere = Reconciliation.judge(db("completed"), { ...observed, lostTrees: new Set(["tree-2"]) })
    assert.deepStrictEqual([elsewhere.reasonCode, elsewhere.action], ["mint_missing", "mark_missing"])
    assert.notInclude(elsewhere.details, "declared lost")
    // A signature that landed on the new chain is still no missing mint, lost tree or not.
    const landedAnyway = Reconciliation.judge(db("completed"), {
      ...observed,
      signatures: [landed()],
      lostTrees: new Set(["tree-1"])
    })
    assert.strictEqual(landedAnyway.reasonCode, "metadata_mismatch")
  })

  it("a completed row with no signature and no leaf is a finding", () => {
    const f = judge(db("completed", { transaction: null, asset: null }, []), [])
    assert.strictEqual(f.reasonCode, "mint_missing")
    assert.include(f.details, "no signature")
  })

  it("an in-flight mint whose leaf is on chain is completed from the chain", () => {
    const f = judge(db("minting"), [leaf()], [landed()])
    assert.strictEqual(f.reasonCode, "success")
    assert.strictEqual(f.action, "mark_completed")
  })

  it("a leaf found only by the ticket, minted by a signature the mint never issued, completes nothing", () => {
    const f = judge(db("minting"), [leaf({ mintedSignature: "someone-else" })])
    assert.strictEqual(f.reasonCode, "metadata_mismatch")
    assert.strictEqual(f.action, "flag")
  })

  it("an in-flight mint whose blockhash expired unseen is db_orphaned and requeued", () => {
    const f = judge(db("minting"), [], [absent], 151)
    assert.strictEqual(f.reasonCode, "db_orphaned")
    assert.strictEqual(f.action, "requeue")
    assert.strictEqual(judge(db("minting"), [], [absent], 150).action, "none")
    assert.strictEqual(judge(db("minting"), [], [landed("boom")]).reasonCode, "transaction_failed")
  })

  it("a missing mint that reappears on chain is completed; still absent stays missing", () => {
    assert.strictEqual(judge(db("missing_on_chain"), [leaf()]).action, "mark_completed")
    const f = judge(db("missing_on_chain"), [], [absent])
    assert.strictEqual(f.reasonCode, "mint_missing")
    assert.strictEqual(f.action, "none")
  })

  it("orphans name the ticket their URI names; keys keep a finding the same across passes", () => {
    const orphan = Reconciliation.orphanedLeaf(leaf())
    assert.strictEqual(orphan.reasonCode, "chain_orphaned")
    assert.strictEqual(orphan.ticketId, "ticket-1")
    assert.strictEqual(
      Reconciliation.findingKey(orphan),
      Reconciliation.findingKey(Reconciliation.orphanedLeaf(leaf()))
    )
    assert.notStrictEqual(
      Reconciliation.findingKey(orphan),
      Reconciliation.findingKey(Reconciliation.orphanedLeaf(leaf({ assetId: "asset-2" })))
    )
  })

  it("counts follow the seed's report columns", () => {
    const findings = [
      judge(db("completed"), [leaf()]),
      judge(db("completed"), [], [absent]),
      judge(db("minting"), [], [absent], 999),
      judge(db("completed"), [], [landed("x")]),
      Reconciliation.orphanedLeaf(leaf())
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
    leaves: Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 2 })),
    ownSignature: Schema.Boolean,
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
    const leaves = Array.from({ length: o.leaves }, (_, i) =>
      leaf({
        leafIndex: i,
        assetId: `asset-${i}`,
        mintedSignature: o.ownSignature && i === 0 ? "sig-1" : `other-${i}`
      })
    )
    const f = Reconciliation.judge(
      { mint, expectedDataHash: o.sameHash ? "hash-1" : "other", signatures: ["sig-1"] },
      { signatures: [observation], leaves, blockHeight: o.blockHeight }
    )
    if (o.leaves > 1) assert.strictEqual(f.reasonCode, "double_mint")
    if (f.action === "mark_completed") {
      assert.isTrue(leaves.length === 1 && leaves[0]!.mintedSignature === "sig-1" && o.sameHash)
      assert.include(["minting", "failed", "missing_on_chain"], o.status)
    }
    if (f.action === "requeue") {
      assert.isTrue(
        o.status === "minting" && observation.state === "absent" && o.blockHeight > 150 && o.leaves === 0
      )
    }
    if (f.action === "mark_missing") {
      assert.isTrue(
        o.status === "completed" &&
          o.leaves === 0 &&
          !(observation.state === "landed" && observation.err === null)
      )
    }
  })
})

describe("Reconciliation rules for an imported mint (the old service's, unverified)", () => {
  const imported = (claimed: LegacyImport.LegacyStatus, signatures = ["sig-1"], overrides = {}) => ({
    mint: mintIn("imported", { failure: LegacyImport.importedFailure(claimed, ""), ...overrides }),
    expectedDataHash: null,
    signatures
  })

  it("completes it only when a managed tree holds its leaf, minted by its signature", () => {
    const f = judge(imported("completed"), [leaf()])
    assert.deepStrictEqual([f.reasonCode, f.action], ["success", "mark_completed"])
    assert.match(f.details, /imported as completed, and the chain proves it/)
    const foreign = judge(imported("completed"), [leaf({ mintedSignature: "sig-other" })])
    assert.deepStrictEqual([foreign.reasonCode, foreign.action], ["metadata_mismatch", "flag"])
  })

  it("a signature that landed proves a transaction, not the mint: unproven, flagged", () => {
    const f = judge(imported("completed"), [], [landed()])
    assert.deepStrictEqual([f.reasonCode, f.action, f.signature], ["import_unproven", "flag", "sig-1"])
    assert.match(f.details, /no tree this service manages holds its leaf/)
  })

  it("a signature that failed on chain is a failed transaction", () => {
    const f = judge(imported("completed"), [], [landed("InstructionError")])
    assert.deepStrictEqual([f.reasonCode, f.action], ["transaction_failed", "flag"])
  })

  it("a claimed mint none of whose signatures is on chain is missing; nothing is repaired", () => {
    const f = judge(imported("completed", ["mock-1", "mock-2"]), [], [absent])
    assert.deepStrictEqual([f.reasonCode, f.action], ["mint_missing", "flag"])
    assert.match(f.details, /none of its 2 signature\(s\) is on chain/)
    const none = judge(imported("missing_on_chain", []), [], [])
    assert.deepStrictEqual([none.reasonCode, none.action], ["mint_missing", "flag"])
  })

  it("an imported mint never sent is unproven, for an operator to retry", () => {
    const f = judge(imported("pending", []), [], [])
    assert.deepStrictEqual([f.reasonCode, f.action], ["import_unproven", "flag"])
    assert.match(f.details, /never sent/)
  })

  it("two leaves for its ticket are a double mint, as for any mint", () => {
    const f = judge(imported("completed"), [leaf(), leaf({ leafIndex: 1, assetId: "asset-2" })])
    assert.strictEqual(f.reasonCode, "double_mint")
  })

  it("maps the old statuses and keeps what was claimed", () => {
    assert.strictEqual(LegacyImport.legacyStatus(" Completed "), "completed")
    assert.strictEqual(LegacyImport.legacyStatus("minted"), "completed")
    assert.strictEqual(LegacyImport.legacyStatus("weird"), "other")
    assert.strictEqual(LegacyImport.claimedStatus(imported("failed").mint), "failed")
    assert.strictEqual(LegacyImport.claimedStatus(mintIn("completed")), null)
  })
})
