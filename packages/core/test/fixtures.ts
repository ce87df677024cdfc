import { DateTime } from "effect"
import {
  Lease,
  LegacyImport,
  Mint,
  MintedAsset,
  MintFailure,
  MintRequest,
  type MintStatus,
  SignedTransaction
} from "../src/index.ts"

export const t0 = DateTime.makeUnsafe("2026-01-01T00:00:00Z")
export const at = (seconds: number) => DateTime.add(t0, { seconds })

export const owner = "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin"

export const request = (ticketId = "ticket-1") =>
  new MintRequest({ ticketId, orderId: "order-1", eventId: "event-1", owner })

export const signed = (signature = "sig-1", lastValidBlockHeight = 150) =>
  new SignedTransaction({
    signature,
    lastValidBlockHeight,
    wire: new Uint8Array([1, 2, 3]),
    tree: "tree-1",
    dataHash: "hash-1",
    signedAt: t0
  })

export const asset = (signature = "sig-1", assetId = "asset-1") =>
  new MintedAsset({ assetId, tree: "tree-1", leafIndex: 0, signature, slot: 10, owner, dataHash: "hash-1" })

/** A mint as it typically looks in each status. */
export const mintIn = (
  status: MintStatus,
  overrides: Partial<ConstructorParameters<typeof Mint>[0]> = {}
): Mint => {
  const base = {
    id: "mint-1",
    ticketId: "ticket-1",
    request: request(),
    metadataUri: "http://localhost/metadata/ticket-1",
    status,
    attempts: 0,
    maxAttempts: 3,
    nextAttemptAt: null,
    lease: null,
    transaction: null,
    asset: null,
    failure: null,
    version: 1,
    createdAt: t0,
    updatedAt: t0,
    completedAt: null
  }
  const byStatus: Record<MintStatus, Partial<ConstructorParameters<typeof Mint>[0]>> = {
    pending: { nextAttemptAt: t0 },
    minting: { lease: new Lease({ owner: "worker-a", expiresAt: at(600) }), transaction: signed() },
    completed: { transaction: signed(), asset: asset(), completedAt: t0 },
    failed: {
      attempts: 3,
      failure: new MintFailure({ code: "attempts_exhausted", message: "x", retryable: false })
    },
    missing_on_chain: {
      transaction: signed(),
      asset: asset(),
      failure: new MintFailure({ code: "mint_missing", message: "x", retryable: false })
    },
    imported: { failure: LegacyImport.importedFailure("completed", "") }
  }
  return new Mint({ ...base, ...byStatus[status], ...overrides })
}
