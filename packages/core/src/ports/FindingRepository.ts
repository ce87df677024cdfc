import { Context, type DateTime, type Effect, type Option } from "effect"
import type { FindingState, OpenFinding } from "../OpenFinding.ts"
import type { Page } from "../Page.ts"
import type { Finding, ReasonCode } from "../Reconciliation.ts"
import type { RepositoryError } from "../RepositoryError.ts"

export interface RecordFindings {
  readonly reportId: string
  readonly at: DateTime.Utc
  /** The pass's findings that are not plain successes, each once by key. */
  readonly findings: ReadonlyArray<Finding>
  /**
   * True when the pass saw everything (every tree proved): open findings it did not report
   * again are then resolved by the chain. A partial pass resolves nothing.
   */
  readonly complete: boolean
}

export interface FindingQuery {
  readonly state?: FindingState | undefined
  readonly reason?: ReasonCode | undefined
  readonly cursor?: string | undefined
  readonly limit: number
}

/** The findings across passes: which are open, since when, and how they were resolved. */
export class FindingRepository extends Context.Service<
  FindingRepository,
  {
    record(
      input: RecordFindings
    ): Effect.Effect<{ readonly opened: number; readonly resolved: number }, RepositoryError>
    /** Oldest first. */
    list(query: FindingQuery): Effect.Effect<Page<OpenFinding>, RepositoryError>
    get(id: string): Effect.Effect<Option.Option<OpenFinding>, RepositoryError>
    /** An operator closes an open finding; `NotFound` when there is no open finding of that id. */
    resolve(id: string, by: string, at: DateTime.Utc): Effect.Effect<OpenFinding, RepositoryError>
    /** Open findings per reason, every reason present. */
    readonly openCounts: Effect.Effect<Readonly<Record<ReasonCode, number>>, RepositoryError>
  }
>()("@tickettoken/minting-core/FindingRepository") {}
