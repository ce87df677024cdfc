import { assert, describe, it } from "@effect/vitest"
import { DateTime, Equal } from "effect"
import {
  Attempt,
  Finding,
  Lease,
  Mint,
  MintedAsset,
  MintFailure,
  MintRequest,
  ReplicaLeaf,
  rebuild,
  SignedTransaction
} from "../src/index.ts"

const key = "11111111111111111111111111111111"
const at = DateTime.makeUnsafe("2026-11-30T12:00:00Z")

/** The same instance both ways: equal, same prototype, same own keys in the same order, same text. */
const same = <A extends object>(built: A, constructed: A) => {
  assert.isTrue(Equal.equals(built, constructed))
  assert.strictEqual(Object.getPrototypeOf(built), Object.getPrototypeOf(constructed))
  assert.deepStrictEqual(Reflect.ownKeys(built), Reflect.ownKeys(constructed))
  assert.strictEqual(String(built), String(constructed))
}

describe("rebuild", () => {
  it("gives the instance the constructor gives, for every class the adapters rebuild", () => {
    const request = new MintRequest({ ticketId: "t-1", orderId: "o-1", eventId: "e-1", owner: key })
    const transaction = {
      signature: "sig",
      lastValidBlockHeight: 7,
      wire: new Uint8Array([1, 2, 3]),
      tree: key,
      dataHash: key,
      signedAt: at
    }
    const asset = {
      assetId: key,
      tree: key,
      leafIndex: 3,
      signature: "sig",
      slot: 9,
      owner: key,
      dataHash: key
    }
    const lease = { owner: "worker-1", expiresAt: at }
    const failure = { code: "program_failed", message: "0x1771", retryable: false }
    const mint = (nested: "rebuilt" | "constructed") => ({
      id: "m-1",
      ticketId: "t-1",
      request,
      metadataUri: "https://tickets.example/metadata/t-1",
      status: "completed" as const,
      attempts: 1,
      maxAttempts: 5,
      nextAttemptAt: null,
      lease: nested === "rebuilt" ? rebuild(Lease, lease) : new Lease(lease),
      transaction:
        nested === "rebuilt" ? rebuild(SignedTransaction, transaction) : new SignedTransaction(transaction),
      asset: nested === "rebuilt" ? rebuild(MintedAsset, asset) : new MintedAsset(asset),
      failure: nested === "rebuilt" ? rebuild(MintFailure, failure) : new MintFailure(failure),
      version: 4,
      createdAt: at,
      updatedAt: at,
      completedAt: at
    })
    same(rebuild(Mint, mint("rebuilt")), new Mint(mint("constructed")))
    assert.instanceOf(rebuild(Mint, mint("rebuilt")).transaction, SignedTransaction)

    const leaf = {
      tree: key,
      leafIndex: 3,
      leafHash: key,
      state: "live" as const,
      assetId: key,
      owner: key,
      delegate: key,
      nonce: 3,
      dataHash: key,
      creatorHash: key,
      mintedSignature: "sig",
      mintedSlot: 9,
      mintedOwner: key,
      mintedDataHash: key,
      mintedCreatorHash: key,
      mintedUri: "https://tickets.example/metadata/t-1",
      ticketId: "t-1",
      lastSignature: "sig",
      lastSeq: 4
    }
    same(rebuild(ReplicaLeaf, leaf), new ReplicaLeaf(leaf))

    const finding = {
      reasonCode: "success" as const,
      action: "none" as const,
      mintId: "m-1",
      ticketId: "t-1",
      signature: null,
      assetId: null,
      details: "matches"
    }
    same(rebuild(Finding, finding), new Finding(finding))
    same(rebuild(Finding, { ...finding, tree: key }), new Finding({ ...finding, tree: key }))

    const attempt = {
      mintId: "m-1",
      signature: "sig",
      attempt: 1,
      lastValidBlockHeight: 7,
      wire: new Uint8Array([1]),
      tree: key,
      outcome: "landed" as const,
      createdAt: at,
      settledAt: null
    }
    same(rebuild(Attempt, attempt), new Attempt(attempt))
  })

  it("is no check: what comes from outside goes through the constructor", () => {
    // The constructor refuses a leaf index that is not an integer; rebuild takes it as it is.
    const asset = {
      assetId: key,
      tree: key,
      leafIndex: 1.5,
      signature: "s",
      slot: 1,
      owner: key,
      dataHash: key
    }
    assert.throws(() => new MintedAsset(asset))
    assert.strictEqual(rebuild(MintedAsset, asset).leafIndex, 1.5)
  })
})
