/**
 * The mint aggregate: one ticket on its way to becoming a compressed NFT.
 *
 * A plain value. It changes only through `MintTransitions.transition`, and every write of it
 * is checked against `version`, which doubles as the lease's fencing token: a worker whose
 * lease was taken over holds a stale version and its write is refused.
 */
import { Schema } from "effect"
import { MintRequest } from "./MintRequest.ts"

/**
 * `imported`: brought over from the old service, whose chain calls were mocked: nothing about it
 * is trusted until the reconciler checks it on chain (see LegacyImport.ts). The worker never
 * claims it; the chain's proof completes it, an operator's retry mints it anew.
 */
export const MintStatus = Schema.Literals([
  "pending",
  "minting",
  "completed",
  "failed",
  "missing_on_chain",
  "imported"
])
export type MintStatus = typeof MintStatus.Type

export const mintStatuses: ReadonlyArray<MintStatus> = MintStatus.literals

/** Who holds a minting mint, and until when. */
export class Lease extends Schema.Class<Lease>("@tickettoken/minting-core/Lease")({
  owner: Schema.String,
  expiresAt: Schema.DateTimeUtc
}) {}

/**
 * A signed transaction, stored before its first send so a crash can never lose track of
 * something that might land. The same bytes are re-sent until the blockhash has provably
 * expired; only then may a new signature be issued.
 */
export class SignedTransaction extends Schema.Class<SignedTransaction>(
  "@tickettoken/minting-core/SignedTransaction"
)({
  signature: Schema.String,
  lastValidBlockHeight: Schema.Int,
  wire: Schema.Uint8Array,
  tree: Schema.String,
  /** Bubblegum's hash of the metadata in this transaction, kept to compare with the leaf. */
  dataHash: Schema.String,
  signedAt: Schema.DateTimeUtc
}) {}

/** What the chain proved: the minted leaf. */
export class MintedAsset extends Schema.Class<MintedAsset>("@tickettoken/minting-core/MintedAsset")({
  assetId: Schema.String,
  tree: Schema.String,
  leafIndex: Schema.Int,
  signature: Schema.String,
  slot: Schema.Int,
  owner: Schema.String,
  dataHash: Schema.String
}) {}

export class MintFailure extends Schema.Class<MintFailure>("@tickettoken/minting-core/MintFailure")({
  code: Schema.String,
  message: Schema.String,
  retryable: Schema.Boolean
}) {}

export class Mint extends Schema.Class<Mint>("@tickettoken/minting-core/Mint")({
  id: Schema.String,
  ticketId: Schema.String,
  request: MintRequest,
  metadataUri: Schema.String,
  status: MintStatus,
  /** Attempts that ended without a mint (expired unseen, or a retryable error). */
  attempts: Schema.Int,
  maxAttempts: Schema.Int,
  nextAttemptAt: Schema.NullOr(Schema.DateTimeUtc),
  lease: Schema.NullOr(Lease),
  transaction: Schema.NullOr(SignedTransaction),
  asset: Schema.NullOr(MintedAsset),
  failure: Schema.NullOr(MintFailure),
  version: Schema.Int,
  createdAt: Schema.DateTimeUtc,
  updatedAt: Schema.DateTimeUtc,
  completedAt: Schema.NullOr(Schema.DateTimeUtc)
}) {}

/** One signature ever issued for a mint, and what became of it. */
export const AttemptOutcome = Schema.Literals(["sent", "landed", "failed", "expired"])
export type AttemptOutcome = typeof AttemptOutcome.Type

export class Attempt extends Schema.Class<Attempt>("@tickettoken/minting-core/Attempt")({
  mintId: Schema.String,
  signature: Schema.String,
  attempt: Schema.Int,
  lastValidBlockHeight: Schema.Int,
  wire: Schema.Uint8Array,
  tree: Schema.String,
  outcome: AttemptOutcome,
  createdAt: Schema.DateTimeUtc,
  settledAt: Schema.NullOr(Schema.DateTimeUtc)
}) {}
