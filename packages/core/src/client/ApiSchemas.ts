/**
 * The HTTP API's bodies. The app validates requests and shapes responses with these; the
 * typed client decodes with them; the OpenAPI document is generated from them.
 */
import { DateTime, Schema } from "effect"
import type { Mint } from "../Mint.ts"
import { MintStatus } from "../Mint.ts"
import { MintRequest } from "../MintRequest.ts"
import { FindingState, type OpenFinding } from "../OpenFinding.ts"
import { Finding, ReasonCode, type ReconciliationReport, ReportCountsSchema } from "../Reconciliation.ts"
import type { ReplicaLeaf } from "../ReplicaLeaf.ts"

export { MintRequest }

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
  currentOwner: Schema.optional(Schema.NullOr(Schema.String)),
  burned: Schema.optional(Schema.NullOr(Schema.Boolean))
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

/** The view with the holder and burn state of its leaf in the replica (undefined: not looked up). */
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
    details: Schema.optional(Schema.Unknown)
  })
}).annotate({ identifier: "Error" })
export type ErrorBody = typeof ErrorBody.Type

export const BatchItem = Schema.Struct({
  ticketId: Schema.String,
  /** `accepted`: new; `existing`: the same request was already accepted; `refused`: see error. */
  result: Schema.Literals(["accepted", "existing", "refused"]),
  mint: Schema.optional(MintView),
  error: Schema.optional(ErrorBody.fields.error)
})
export const BatchMintResponse = Schema.Struct({ results: Schema.Array(BatchItem) })

export const ReportView = Schema.Struct({
  id: Schema.String,
  startedAt: Instant,
  finishedAt: Instant,
  counts: ReportCountsSchema,
  rpcCalls: Schema.Int,
  examined: Schema.Int,
  findings: Schema.Array(Finding),
  alerts: Schema.optional(Schema.Array(Schema.String))
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

export const ListFindingsParams = Schema.Struct({
  state: Schema.optional(FindingState),
  reason: Schema.optional(ReasonCode),
  cursor: Schema.optional(Schema.String),
  limit: Schema.optional(
    Schema.NumberFromString.check(Schema.isInt(), Schema.isBetween({ minimum: 1, maximum: 500 }))
  )
})

export const ResolveFindingRequest = Schema.Struct({
  /** Who closes it, for the record (an operator's name). */
  by: Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(200))
})

export const ReportList = Schema.Struct({
  items: Schema.Array(ReportView),
  nextCursor: Schema.NullOr(Schema.String)
})

export const ListMintsParams = Schema.Struct({
  status: Schema.optional(MintStatus),
  eventId: Schema.optional(Schema.String),
  owner: Schema.optional(Schema.String),
  cursor: Schema.optional(Schema.String),
  limit: Schema.optional(
    Schema.NumberFromString.check(Schema.isInt(), Schema.isBetween({ minimum: 1, maximum: 500 }))
  )
})
