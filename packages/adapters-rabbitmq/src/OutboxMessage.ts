/**
 * An outbox event as a RabbitMQ message: routed by its topic, persistent, JSON, with the event
 * id as message id so consumers can drop the duplicates an at-least-once relay may send.
 */
import type { OutboxEvent } from "@tickettoken/minting-core"
import type { Options } from "amqplib"
import { DateTime } from "effect"

/** The JSON body: the payload with the event's identity beside it. */
export interface OutboxMessageBody {
  readonly id: string
  readonly topic: string
  readonly key: string
  readonly createdAt: string
  readonly payload: Readonly<Record<string, unknown>>
}

export interface OutboxMessage {
  readonly routingKey: string
  readonly content: Buffer
  readonly options: Options.Publish
}

export const appId = "tickettoken-minting"

export const body = (event: OutboxEvent): OutboxMessageBody => ({
  id: event.id,
  topic: event.topic,
  key: event.key,
  createdAt: DateTime.formatIso(event.createdAt),
  payload: event.payload
})

export const encode = (event: OutboxEvent): OutboxMessage => ({
  routingKey: event.topic,
  content: Buffer.from(JSON.stringify(body(event)), "utf8"),
  options: {
    persistent: true,
    messageId: event.id,
    type: event.topic,
    contentType: "application/json",
    contentEncoding: "utf-8",
    // AMQP timestamps are whole seconds.
    timestamp: Math.floor(DateTime.toEpochMillis(event.createdAt) / 1000),
    appId,
    // In a header too, so a consistent-hash exchange can keep one key on one queue.
    headers: { "x-event-key": event.key }
  }
})
