import { MetadataStore, type TicketMetadata } from "@tickettoken/minting-core"
import { Effect, Layer, Option } from "effect"
import { SqlClient } from "effect/sql"
import * as R from "./Rows.ts"
import { orRepositoryError } from "./SqlErrors.ts"

export const make = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  return MetadataStore.of({
    put: Effect.fn("PostgresMetadataStore.put")(
      (ticketId: string, document: TicketMetadata.MetadataDocument) =>
        Effect.asVoid(sql`
          INSERT INTO metadata_documents (ticket_id, document) VALUES (${ticketId}, ${JSON.stringify(document)})
          ON CONFLICT (ticket_id) DO UPDATE SET document = EXCLUDED.document, updated_at = now()`),
      orRepositoryError
    ),
    get: Effect.fn("PostgresMetadataStore.get")(
      (ticketId: string) =>
        Effect.map(
          sql<R.Row>`SELECT document FROM metadata_documents WHERE ticket_id = ${ticketId}`,
          (rows) =>
            Option.map(
              Option.fromNullishOr(rows[0]),
              (row) => R.json(row, "document") as TicketMetadata.MetadataDocument
            )
        ),
      orRepositoryError
    )
  })
})

export const layer: Layer.Layer<MetadataStore, never, SqlClient.SqlClient> = Layer.effect(MetadataStore, make)
