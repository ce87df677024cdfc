/**
 * A finding with a life: opened by the first pass that reports it, seen again by every pass
 * that still does, resolved when a complete pass no longer does (`resolvedBy: "chain"`) or
 * when an operator closes it.
 */
import { Schema } from "effect"
import { Finding } from "./Reconciliation.ts"

export const FindingState = Schema.Literals(["open", "resolved"])
export type FindingState = typeof FindingState.Type

export class OpenFinding extends Schema.Class<OpenFinding>("@tickettoken/minting-core/OpenFinding")({
  /** The finding's key (reason and subject, see `findingKey`). */
  id: Schema.String,
  finding: Finding,
  state: FindingState,
  firstSeenAt: Schema.DateTimeUtc,
  lastSeenAt: Schema.DateTimeUtc,
  /** The report that last saw it. */
  reportId: Schema.String,
  resolvedAt: Schema.NullOr(Schema.DateTimeUtc),
  /** `chain` when a complete pass no longer found it, else the operator who closed it. */
  resolvedBy: Schema.NullOr(Schema.String)
}) {}
