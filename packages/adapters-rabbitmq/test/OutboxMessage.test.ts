import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Duration, Effect, Option, Redacted } from "effect"
import { OutboxMessage, OutboxRelay, RelayConfig } from "../src/index.ts"
import { events } from "./Events.ts"

describe("OutboxMessage", () => {
  it("is persistent JSON routed by topic, with the event id as message id", () => {
    const [event] = events([["mint-1", "mint.completed"]])
    const message = OutboxMessage.encode(event!)
    assert.strictEqual(message.routingKey, "mint.completed")
    assert.strictEqual(message.options.persistent, true)
    assert.strictEqual(message.options.messageId, event!.id)
    assert.strictEqual(message.options.type, "mint.completed")
    assert.strictEqual(message.options.contentType, "application/json")
    assert.deepStrictEqual(JSON.parse(message.content.toString("utf8")), {
      id: event!.id,
      topic: "mint.completed",
      key: "mint-1",
      createdAt: "2026-11-01T12:00:00.000Z",
      payload: { mintId: "mint-1", ticketId: "ticket-mint-1", n: 0 }
    })
  })
})

describe("OutboxRelay.markable", () => {
  const batch = events([
    ["a", "mint.requested"],
    ["b", "mint.requested"],
    ["a", "mint.completed"],
    ["b", "mint.completed"],
    ["c", "mint.requested"]
  ])
  const ids = (xs: ReadonlyArray<{ readonly id: string }>) => xs.map((e) => e.id)

  it("marks every confirmed event when all were confirmed", () => {
    assert.deepStrictEqual(ids(OutboxRelay.markable(batch, ids(batch))), ids(batch))
  })

  it("marks nothing that was not confirmed", () => {
    assert.deepStrictEqual(ids(OutboxRelay.markable(batch, [])), [])
  })

  it("holds a confirmed event back when an earlier one of its key was not confirmed", () => {
    // b's first event was lost: b's second must wait, or consumers would see it first.
    const confirmed = [batch[0]!, batch[2]!, batch[3]!, batch[4]!]
    assert.deepStrictEqual(
      ids(OutboxRelay.markable(batch, ids(confirmed))),
      ids([batch[0]!, batch[2]!, batch[4]!])
    )
  })
})

describe("RelayConfig", () => {
  const env = (values: Record<string, string>) =>
    Effect.runSync(
      Effect.provide(RelayConfig.config, ConfigProvider.layer(ConfigProvider.fromEnvRecord(values)))
    )

  it("is None without RABBITMQ_URL, or with an empty one", () => {
    assert.isTrue(Option.isNone(env({})))
    assert.isTrue(Option.isNone(env({ RABBITMQ_URL: "  " })))
  })

  it("reads the URL redacted, with defaults for the rest", () => {
    const options = Option.getOrThrow(env({ RABBITMQ_URL: "amqp://u:hunter2@mq.internal:5673/prod" }))
    assert.isTrue(Redacted.isRedacted(options.url))
    assert.notInclude(String(options.url), "hunter2")
    const resolved = RelayConfig.resolve(options)
    assert.strictEqual(resolved.exchange, "tickettoken.events")
    assert.strictEqual(resolved.batch, 100)
    assert.strictEqual(Duration.toMillis(resolved.interval), 500)
    assert.strictEqual(resolved.broker, "mq.internal:5673/prod")
  })

  it("takes RABBITMQ_EXCHANGE, RELAY_INTERVAL_MS and RELAY_BATCH", () => {
    const options = Option.getOrThrow(
      env({
        RABBITMQ_URL: "amqp://mq",
        RABBITMQ_EXCHANGE: "x.events",
        RELAY_INTERVAL_MS: "250",
        RELAY_BATCH: "7"
      })
    )
    const resolved = RelayConfig.resolve(options)
    assert.strictEqual(resolved.exchange, "x.events")
    assert.strictEqual(resolved.batch, 7)
    assert.strictEqual(Duration.toMillis(resolved.interval), 250)
    assert.strictEqual(resolved.broker, "mq:5672")
  })

  it("never lets the password through scrub, encoded or not", () => {
    const url = Redacted.make("amqp://relay:p%40ss-w0rd@mq:5672/")
    const scrubbed = RelayConfig.scrub("failed for amqp://relay:p%40ss-w0rd@mq:5672/ (p@ss-w0rd)", url)
    assert.notInclude(scrubbed, "p%40ss-w0rd")
    assert.notInclude(scrubbed, "p@ss-w0rd")
  })
})
