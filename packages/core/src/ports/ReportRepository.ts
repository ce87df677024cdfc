import { Context, type Effect, type Option } from "effect"
import type { Page } from "../Page.ts"
import type { ReconciliationReport } from "../Reconciliation.ts"
import type { RepositoryError } from "../RepositoryError.ts"

export class ReportRepository extends Context.Service<
  ReportRepository,
  {
    save(report: ReconciliationReport): Effect.Effect<void, RepositoryError>
    get(id: string): Effect.Effect<Option.Option<ReconciliationReport>, RepositoryError>
    /** Newest first. */
    list(options: {
      readonly cursor?: string | undefined
      readonly limit: number
    }): Effect.Effect<Page<ReconciliationReport>, RepositoryError>
  }
>()("@tickettoken/minting-core/ReportRepository") {}
