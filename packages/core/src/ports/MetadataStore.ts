import { Context, type Effect, type Option } from "effect"
import type { RepositoryError } from "../RepositoryError.ts"
import type { MetadataDocument } from "../TicketMetadata.ts"

/** The Metaplex JSON documents the on-chain URIs point at, served at `/metadata/:ticketId`. */
export class MetadataStore extends Context.Service<
  MetadataStore,
  {
    put(ticketId: string, document: MetadataDocument): Effect.Effect<void, RepositoryError>
    get(ticketId: string): Effect.Effect<Option.Option<MetadataDocument>, RepositoryError>
  }
>()("@tickettoken/minting-core/MetadataStore") {}
