import { MetadataStore, MintRequest, TicketMetadata } from "@tickettoken/minting-core"
import { Effect, Layer, Option, Schema } from "effect"

const decodeRequest = Schema.decodeUnknownSync(MintRequest)

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
    // A stored document wins; otherwise the document is the accepted mint's (one query).
    get: Effect.fn("PostgresMetadataStore.get")(
      (ticketId: string) =>
        Effect.map(
          sql<R.Row>`
            SELECT d.document, m.request, m.created_at
            FROM (SELECT ${ticketId}::text AS ticket_id) k
            LEFT JOIN metadata_documents d ON d.ticket_id = k.ticket_id
            LEFT JOIN mints m ON m.ticket_id = k.ticket_id`,
          (rows) => {
            const row = rows[0]
            if (row === undefined) return Option.none()
            if (row.document !== null)
              return Option.some(R.json(row, "document") as TicketMetadata.MetadataDocument)
            if (row.request === null) return Option.none()
            return Option.some(
              TicketMetadata.document(decodeRequest(R.json(row, "request")), R.time(row, "created_at"))
            )
          }
        ),
      orRepositoryError
    )
  })
})

export const layer: Layer.Layer<MetadataStore, never, SqlClient.SqlClient> = Layer.effect(MetadataStore, make)
