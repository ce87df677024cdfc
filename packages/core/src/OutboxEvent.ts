/** A domain event written in the same transaction as the change it reports, relayed later. */
import { Schema } from "effect"

export const OutboxTopic = Schema.Literals([
  "mint.requested",
  "mint.completed",
  "mint.failed",
  "mint.missing"
])
export type OutboxTopic = typeof OutboxTopic.Type

export class OutboxEvent extends Schema.Class<OutboxEvent>("@tickettoken/minting-core/OutboxEvent")({
  /** Also the broker message id, so consumers can drop duplicates. */
  id: Schema.String,
  topic: OutboxTopic,
  /** The mint the event is about; events of one key are relayed in order. */
  key: Schema.String,
  payload: Schema.Record(Schema.String, Schema.Unknown),
  createdAt: Schema.DateTimeUtc,
  sentAt: Schema.NullOr(Schema.DateTimeUtc)
}) {}
