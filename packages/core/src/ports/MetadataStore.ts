import { Context, type Effect, type Option } from "effect"
import type { RepositoryError } from "../RepositoryError.ts"
import type { MetadataDocument } from "../TicketMetadata.ts"

/**
 * The Metaplex JSON documents the on-chain URIs point at, served at `/metadata/:ticketId`.
 * A ticket's document is derived from its accepted mint (the stored request and the moment of
 * acceptance: `TicketMetadata.document`), so the two cannot drift apart; `put` stores a
 * document that replaces the derived one (a ticket re-issued with new artwork, say).
 */
export class MetadataStore extends Context.Service<
  MetadataStore,
  {
    put(ticketId: string, document: MetadataDocument): Effect.Effect<void, RepositoryError>
    /** The stored document if one was put, else the one derived from the ticket's mint, else none. */
    get(ticketId: string): Effect.Effect<Option.Option<MetadataDocument>, RepositoryError>
  }
>()("@tickettoken/minting-core/MetadataStore") {}
