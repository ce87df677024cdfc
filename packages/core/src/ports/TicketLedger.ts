import { Context, type DateTime, type Effect } from "effect"
import type { RepositoryError } from "../RepositoryError.ts"

/**
 * The platform's own `tickets` row, updated as the seed did when a mint completes (asset id,
 * `blockchain_status = 'minted'`). Where the platform's table is not there, nothing happens.
 * Never creates a ticket.
 */
export class TicketLedger extends Context.Service<
  TicketLedger,
  {
    /** True when a ticket row was updated. */
    markMinted(ticketId: string, assetId: string, at: DateTime.Utc): Effect.Effect<boolean, RepositoryError>
  }
>()("@tickettoken/minting-core/TicketLedger") {}
