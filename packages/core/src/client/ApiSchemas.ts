/**
 * The HTTP API's bodies. The app validates requests and shapes responses with these; the
 * typed client decodes with them; the OpenAPI document is generated from them.
 */
import { DateTime, Schema, SchemaTransformation } from "effect"
import type { Mint } from "../Mint.ts"
import { MintStatus } from "../Mint.ts"
import { MintRequest, PublicKey, Text, TicketId, ticketIdPattern } from "../MintRequest.ts"
import { FindingState, type OpenFinding } from "../OpenFinding.ts"
import { Finding, ReasonCode, type ReconciliationReport, ReportCountsSchema } from "../Reconciliation.ts"
import type { ReplicaLeaf } from "../ReplicaLeaf.ts"
import { AssetProof } from "../usecases/AssetProof.ts"
import type { CollectionDetails } from "../usecases/Collections.ts"

export { MintRequest, PublicKey, Text, TicketId }

/** Most tickets one batch request may carry. */
export const maxBatch = 500

export const BatchMintRequest = Schema.Struct({
  mints: Schema.Array(MintRequest).check(Schema.isMinLength(1), Schema.isMaxLength(maxBatch))
})

const Instant = Schema.String.annotate({ description: "ISO-8601 instant, UTC" })

export const MintView = Schema.Struct({
  id: Schema.String,
  ticketId: Schema.String,
  orderId: Schema.String,
  eventId: Schema.String,
  owner: Schema.String,
  collectionId: Schema.NullOr(Schema.String),
  status: MintStatus,
  attempts: Schema.Int,
  maxAttempts: Schema.Int,
  nextAttemptAt: Schema.NullOr(Instant),
  metadataUri: Schema.String,
  signature: Schema.NullOr(Schema.String),
  assetId: Schema.NullOr(Schema.String),
  tree: Schema.NullOr(Schema.String),
  leafIndex: Schema.NullOr(Schema.Int),
  error: Schema.NullOr(Schema.Struct({ code: Schema.String, message: Schema.String })),
  createdAt: Instant,
  updatedAt: Instant,
  completedAt: Schema.NullOr(Instant),
  /**
   * Who holds the ticket now and whether it was burned, from the tree replica (the chain as of
   * the last reconciliation pass); null until a pass has seen its leaf.
   */
  currentOwner: Schema.optionalKey(Schema.NullOr(Schema.String)),
  burned: Schema.optionalKey(Schema.NullOr(Schema.Boolean))
}).annotate({ identifier: "Mint" })
export type MintView = typeof MintView.Type

const iso = (d: DateTime.Utc | null) => (d === null ? null : DateTime.formatIso(d))

export const toView = (mint: Mint): MintView => ({
  id: mint.id,
  ticketId: mint.ticketId,
  orderId: mint.request.orderId,
  eventId: mint.request.eventId,
  owner: mint.request.owner,
  collectionId: mint.request.collectionId ?? null,
  status: mint.status,
  attempts: mint.attempts,
  maxAttempts: mint.maxAttempts,
  nextAttemptAt: iso(mint.nextAttemptAt),
  metadataUri: mint.metadataUri,
  signature: mint.asset?.signature ?? mint.transaction?.signature ?? null,
  assetId: mint.asset?.assetId ?? null,
  tree: mint.asset?.tree ?? mint.transaction?.tree ?? null,
  leafIndex: mint.asset?.leafIndex ?? null,
  error: mint.failure === null ? null : { code: mint.failure.code, message: mint.failure.message },
  createdAt: DateTime.formatIso(mint.createdAt),
  updatedAt: DateTime.formatIso(mint.updatedAt),
  completedAt: iso(mint.completedAt)
})

/** The view with its leaf's holder and burn state from the replica (null: no leaf seen yet). */
export const toViewWithLeaf = (mint: Mint, leaf: ReplicaLeaf | null): MintView => ({
  ...toView(mint),
  currentOwner: leaf?.owner ?? null,
  burned: leaf === null ? null : leaf.state === "burned"
})

export const MintList = Schema.Struct({
  items: Schema.Array(MintView),
  nextCursor: Schema.NullOr(Schema.String)
})

export const ErrorBody = Schema.Struct({
  error: Schema.Struct({
    code: Schema.String,
    message: Schema.String,
    details: Schema.optionalKey(Schema.Unknown)
  })
}).annotate({ identifier: "Error" })
export type ErrorBody = typeof ErrorBody.Type

export const BatchItem = Schema.Struct({
  ticketId: Schema.String,
  /** `accepted`: new; `existing`: the same request was already accepted; `refused`: see error. */
  result: Schema.Literals(["accepted", "existing", "refused"]),
  mint: Schema.optionalKey(MintView),
  error: Schema.optionalKey(ErrorBody.fields.error)
})
export type BatchItem = typeof BatchItem.Type
export const BatchMintResponse = Schema.Struct({ results: Schema.Array(BatchItem) })

export const ReportView = Schema.Struct({
  id: Schema.String,
  startedAt: Instant,
  finishedAt: Instant,
  counts: ReportCountsSchema,
  rpcCalls: Schema.Int,
  examined: Schema.Int,
  findings: Schema.Array(Finding),
  /** Why the pass repaired less than it found, or could not prove the chain (see the reconciler's README). */
  alerts: Schema.optionalKey(Schema.Array(Schema.String))
}).annotate({ identifier: "ReconciliationReport" })
export type ReportView = typeof ReportView.Type

export const toReportView = (report: ReconciliationReport): ReportView => ({
  id: report.id,
  startedAt: DateTime.formatIso(report.startedAt),
  finishedAt: DateTime.formatIso(report.finishedAt),
  counts: report.counts,
  rpcCalls: report.rpcCalls,
  examined: report.examined,
  findings: report.findings,
  alerts: report.alerts ?? []
})

export const FindingView = Schema.Struct({
  id: Schema.String,
  state: FindingState,
  reasonCode: ReasonCode,
  finding: Finding,
  firstSeenAt: Instant,
  lastSeenAt: Instant,
  reportId: Schema.String,
  resolvedAt: Schema.NullOr(Instant),
  resolvedBy: Schema.NullOr(Schema.String)
}).annotate({ identifier: "OpenFinding" })
export type FindingView = typeof FindingView.Type

export const toFindingView = (f: OpenFinding): FindingView => ({
  id: f.id,
  state: f.state,
  reasonCode: f.finding.reasonCode,
  finding: f.finding,
  firstSeenAt: DateTime.formatIso(f.firstSeenAt),
  lastSeenAt: DateTime.formatIso(f.lastSeenAt),
  reportId: f.reportId,
  resolvedAt: iso(f.resolvedAt),
  resolvedBy: f.resolvedBy
})

export const FindingList = Schema.Struct({
  items: Schema.Array(FindingView),
  nextCursor: Schema.NullOr(Schema.String)
})

/** A ticket's asset proof from the tree replica, checked against the chain's root (base58 throughout). */
export const AssetProofView = Schema.Struct(AssetProof.fields).annotate({ identifier: "AssetProof" })

export const ReportList = Schema.Struct({
  items: Schema.Array(ReportView),
  nextCursor: Schema.NullOr(Schema.String)
})

/**
 * A page size in a query string, parsed strictly: decimal digits only, so `0x10`, `1e2`, ` 1 `
 * or `+5` are refused rather than read as some number Number() happens to make of them.
 */
export const LimitParam = (maximum: number) =>
  Schema.String.check(
    Schema.isPattern(/^[1-9][0-9]{0,5}$/u, { expected: "a decimal integer without sign, spaces or exponent" })
  )
    .pipe(
      Schema.decodeTo(
        Schema.Int.check(Schema.isBetween({ minimum: 1, maximum })),
        SchemaTransformation.numberFromString
      )
    )
    .annotate({ description: `Page size, 1 to ${maximum}` })

/**
 * The opaque paging cursor the lists hand out: `<epoch millis>:<id>`. Checked at the edge so a
 * forged one is a 400, never a date out of range in a statement (15 digits stay below the
 * largest instant a Date can hold, 8.64e15 ms).
 */
export const Cursor = Schema.String.check(
  Schema.isPattern(/^(0|[1-9][0-9]{0,14}):[A-Za-z0-9-]{1,64}$/u, {
    expected: "a cursor returned as nextCursor by this list"
  })
).annotate({
  description: "`nextCursor` of the previous page, as returned",
  examples: ["1764460800000:0b6f4e1c-4c1e-4c57-9a43-2f7d1f3b8a10"]
})

const Filter = Text.check(Schema.isMinLength(1), Schema.isMaxLength(128))

export const ListMintsParams = Schema.Struct({
  status: Schema.optionalKey(MintStatus),
  eventId: Schema.optionalKey(Filter),
  owner: Schema.optionalKey(PublicKey),
  cursor: Schema.optionalKey(Cursor),
  limit: Schema.optionalKey(LimitParam(500))
})

export const ListReportsParams = Schema.Struct({
  cursor: Schema.optionalKey(Cursor),
  limit: Schema.optionalKey(LimitParam(100))
})

/** A findings cursor: `<epoch millis>:<finding id>` (the id is `<reason>:<subject>`). */
export const FindingCursor = Schema.String.check(
  Schema.isPattern(/^(0|[1-9][0-9]{0,14}):[a-z_]+:[A-Za-z0-9_.~-]{1,200}$/u, {
    expected: "a cursor returned as nextCursor by this list"
  })
)

export const ListFindingsParams = Schema.Struct({
  state: Schema.optionalKey(FindingState),
  reason: Schema.optionalKey(ReasonCode),
  cursor: Schema.optionalKey(FindingCursor),
  limit: Schema.optionalKey(LimitParam(500))
})

export const ResolveFindingRequest = Schema.Struct({
  /** Who closes it, for the record (an operator's name). */
  by: Text.check(Schema.isMinLength(1), Schema.isMaxLength(200))
})

/** Path parameters. */
export const TicketIdParam = Schema.Struct({ ticketId: TicketId })
export const ReportIdParam = Schema.Struct({ id: Text.check(Schema.isMinLength(1), Schema.isMaxLength(128)) })
export const FindingIdParam = Schema.Struct({
  id: Schema.String.check(
    Schema.isPattern(/^[a-z_]+:[A-Za-z0-9_.~-]{1,200}$/u, { expected: "a finding id, as listed" })
  )
})

/** A collection id the caller chooses: the ticket id rule (it is a URL segment as is). */
export const CollectionId = Schema.String.check(Schema.isPattern(ticketIdPattern)).annotate({
  identifier: "CollectionId",
  description:
    "1-128 characters of A-Z a-z 0-9 - _ ~ . (URL-unreserved), not starting with a dot; chosen by the caller, it makes creation idempotent",
  examples: ["fest-2027"]
})
export const CollectionIdParam = Schema.Struct({
  id: Text.check(Schema.isMinLength(1), Schema.isMaxLength(128))
})

const Url = Text.check(Schema.isMinLength(1), Schema.isMaxLength(200))

export const CollectionMetadataBody = Schema.Struct({
  description: Schema.optionalKey(Text.check(Schema.isMaxLength(2000))),
  image: Schema.optionalKey(Url),
  externalUrl: Schema.optionalKey(Url)
}).annotate({ identifier: "CollectionMetadata" })

const MaxSupply = Schema.NullOr(
  Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 2_147_483_647 }))
).annotate({
  description: "The most tickets the collection takes; null for unlimited"
})

export const CreateCollectionRequest = Schema.Struct({
  id: CollectionId,
  /** On chain: at most 32 bytes. */
  name: Text.check(Schema.isMinLength(1), Schema.isMaxLength(32)),
  /** On chain: at most 10 bytes. */
  symbol: Text.check(Schema.isMaxLength(10)),
  maxSupply: MaxSupply,
  sellerFeeBasisPoints: Schema.optionalKey(
    Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 10_000 }))
  ),
  metadata: Schema.optionalKey(CollectionMetadataBody),
  /** The URI the NFT carries; default this service's `/metadata/collections/{id}`. */
  uri: Schema.optionalKey(Url)
}).annotate({ identifier: "CreateCollection" })

export const UpdateCollectionRequest = Schema.Struct({
  maxSupply: Schema.optionalKey(MaxSupply),
  /** Replaces the metadata the collection's JSON document serves (the URI on chain stays). */
  metadata: Schema.optionalKey(CollectionMetadataBody)
}).annotate({ identifier: "UpdateCollection" })

export const CollectionView = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  symbol: Schema.String,
  /** `creating` until the collection NFT has landed (a retried POST finishes it). */
  status: Schema.Literals(["ready", "creating"]),
  collectionMint: Schema.NullOr(Schema.String),
  maxSupply: Schema.NullOr(Schema.Int),
  currentSupply: Schema.Int,
  uri: Schema.NullOr(Schema.String),
  sellerFeeBasisPoints: Schema.Int,
  metadata: CollectionMetadataBody,
  /** Trees that hold completed mints of the collection. */
  treeCount: Schema.Int,
  /** The creating transaction while it has not landed. */
  creationSignature: Schema.NullOr(Schema.String),
  createdAt: Instant
}).annotate({ identifier: "Collection" })
export type CollectionView = typeof CollectionView.Type

export const toCollectionView = (details: CollectionDetails): CollectionView => {
  const c = details.collection
  return {
    id: c.id,
    name: c.name,
    symbol: c.symbol,
    status: c.collectionMint === null ? "creating" : "ready",
    collectionMint: c.collectionMint,
    maxSupply: c.maxSupply,
    currentSupply: c.currentSupply,
    uri: c.uri ?? null,
    sellerFeeBasisPoints: c.sellerFeeBasisPoints ?? 0,
    metadata: c.metadata ?? {},
    treeCount: details.treeCount,
    creationSignature: details.creation?.signature ?? null,
    createdAt: DateTime.formatIso(c.createdAt)
  }
}

export const CollectionList = Schema.Struct({ items: Schema.Array(CollectionView) })
