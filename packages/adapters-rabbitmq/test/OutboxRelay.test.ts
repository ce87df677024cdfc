/**
 * The relay against the real broker, over the in-memory outbox of core/testing: what arrives,
 * and that nothing is marked sent that the broker did not confirm.
 */
import { assert, describe, it } from "@effect/vitest"
import { Outbox, type OutboxEvent } from "@tickettoken/minting-core"
import { layerInMemory } from "@tickettoken/minting-core/testing"
import * as Amqp from "amqplib"
import { DateTime, Effect, Fiber, Layer, Redacted } from "effect"
import { AmqpPublisher, OutboxRelay, type RelayConfig } from "../src/index.ts"
import {
  brokerAddress,
  brokerUrlRedacted,
  cleanupExchange,
  consumer,
  deleteExchange,
  unique
} from "./Broker.ts"
import { events, many } from "./Events.ts"
import { type FlakyNetwork, flakyNetwork } from "./FlakyNetwork.ts"
import { makeLogs } from "./Logs.ts"

const options = (exchange: string): RelayConfig.RelayOptions => ({
  url: brokerUrlRedacted(),
  exchange,
  confirmTimeout: "5 seconds",
  connectionName: unique("relay-test")
})

const withPublisher = (exchange: string) => Layer.merge(layerInMemory, AmqpPublisher.layer(options(exchange)))

const append = (xs: ReadonlyArray<OutboxEvent>) =>
  Effect.gen(function* () {
    const outbox = yield* Outbox
    for (const e of xs) yield* outbox.append(e)
  })

const unsentIds = Effect.gen(function* () {
  const outbox = yield* Outbox
  return (yield* outbox.unsent(100_000)).map((e) => e.id)
})

const ids = (xs: ReadonlyArray<{ readonly id: string }>) => xs.map((e) => e.id)

describe("OutboxRelay.relayOnce", () => {
  it.live("publishes persistent JSON messages, routed by topic, with the event id as message id", () => {
    const exchange = unique("tickettoken.test")
    return Effect.gen(function* () {
      yield* cleanupExchange(exchange)
      const all = yield* consumer(exchange)
      const completedOnly = yield* consumer(exchange, "mint.completed")
      const sent = events([
        ["mint-a", "mint.requested"],
        ["mint-b", "mint.requested"],
        ["mint-a", "mint.completed"],
        ["mint-c", "mint.requested"],
        ["mint-b", "mint.failed"],
        ["mint-c", "mint.completed"]
      ])
      yield* append(sent)

      assert.deepStrictEqual(yield* OutboxRelay.relayOnce({ batch: 100 }), { read: 6, relayed: 6 })
      assert.deepStrictEqual(yield* unsentIds, [])

      const received = yield* Effect.promise(() => all.drain())
      // One channel, one queue: the broker keeps the publish order.
      assert.deepStrictEqual(
        received.map((m) => m.messageId),
        ids(sent)
      )
      received.forEach((m, i) => {
        const e = sent[i]!
        assert.strictEqual(m.exchange, exchange)
        assert.strictEqual(m.routingKey, e.topic)
        assert.strictEqual(m.type, e.topic)
        assert.strictEqual(m.deliveryMode, 2)
        assert.strictEqual(m.contentType, "application/json")
        assert.deepStrictEqual(m.body, {
          id: e.id,
          topic: e.topic,
          key: e.key,
          createdAt: DateTime.formatIso(e.createdAt),
          payload: e.payload
        })
      })
      assert.deepStrictEqual(
        (yield* Effect.promise(() => completedOnly.drain())).map((m) => m.messageId),
        ids(sent.filter((e) => e.topic === "mint.completed"))
      )

      // Marked rows are not read again.
      assert.deepStrictEqual(yield* OutboxRelay.relayOnce({ batch: 100 }), { read: 0, relayed: 0 })
      assert.deepStrictEqual(yield* Effect.promise(() => all.drain()), [])
    }).pipe(Effect.scoped, Effect.provide(withPublisher(exchange)))
  })

  it.live("takes one batch at a time, oldest first", () => {
    const exchange = unique("tickettoken.test")
    return Effect.gen(function* () {
      yield* cleanupExchange(exchange)
      const all = yield* consumer(exchange)
      const sent = many(25, 4)
      yield* append(sent)
      assert.deepStrictEqual(yield* OutboxRelay.relayOnce({ batch: 10 }), { read: 10, relayed: 10 })
      assert.deepStrictEqual(yield* unsentIds, ids(sent.slice(10)))
      yield* OutboxRelay.relayOnce({ batch: 10 })
      yield* OutboxRelay.relayOnce({ batch: 10 })
      assert.deepStrictEqual(yield* unsentIds, [])
      assert.deepStrictEqual(
        (yield* Effect.promise(() => all.drain())).map((m) => m.messageId),
        ids(sent)
      )
    }).pipe(Effect.scoped, Effect.provide(withPublisher(exchange)))
  })

  it.live("marks nothing sent when the exchange is deleted under it, and heals once it is back", () => {
    const exchange = unique("tickettoken.test")
    return Effect.gen(function* () {
      yield* cleanupExchange(exchange)
      const all = yield* consumer(exchange)
      const publisher = yield* AmqpPublisher
      yield* publisher.connect
      yield* Effect.promise(() => deleteExchange(exchange))

      const sent = many(12, 3)
      yield* append(sent)
      const error = yield* Effect.flip(OutboxRelay.relayOnce({ batch: 100 }))
      if (error._tag !== "BrokerError") return assert.fail(`expected a BrokerError, got ${error._tag}`)
      assert.strictEqual(error.reason._tag, "Refused")
      assert.strictEqual(error.reason._tag === "Refused" && error.reason.code, 404)
      assert.deepStrictEqual(error.confirmedIds, [])
      assert.deepStrictEqual(yield* unsentIds, ids(sent))

      // The next batch opens a new channel, asserts the exchange again and sends the same events.
      yield* Effect.promise(() => all.bind())
      assert.deepStrictEqual(yield* OutboxRelay.relayOnce({ batch: 100 }), { read: 12, relayed: 12 })
      assert.deepStrictEqual(yield* unsentIds, [])
      assert.deepStrictEqual(
        (yield* Effect.promise(() => all.drain())).map((m) => m.messageId),
        ids(sent)
      )
    }).pipe(Effect.scoped, Effect.provide(withPublisher(exchange)))
  })

  it.live("marks only what the broker confirmed when it nacks part of a batch", () => {
    const exchange = unique("tickettoken.test")
    return Effect.gen(function* () {
      yield* cleanupExchange(exchange)
      // A full queue that rejects publishes makes the broker nack whatever it cannot take.
      const full = unique("relay-test-full")
      yield* Effect.acquireRelease(
        Effect.promise(async () => {
          const connection = await Amqp.connect(Redacted.value(brokerUrlRedacted()))
          const channel = await connection.createChannel()
          await channel.assertExchange(exchange, "topic", { durable: true })
          await channel.assertQueue(full, {
            durable: true,
            arguments: { "x-max-length": 2, "x-overflow": "reject-publish" }
          })
          await channel.bindQueue(full, exchange, "#")
          return { connection, channel }
        }),
        ({ connection, channel }) =>
          Effect.promise(async () => {
            await channel.deleteQueue(full).catch(() => undefined)
            await connection.close().catch(() => undefined)
          })
      )
      const sent = events([
        ["mint-a", "mint.requested"],
        ["mint-b", "mint.requested"],
        ["mint-a", "mint.completed"],
        ["mint-b", "mint.completed"],
        ["mint-c", "mint.requested"]
      ])
      yield* append(sent)
      const error = yield* Effect.flip(OutboxRelay.relayOnce({ batch: 100 }))
      assert.strictEqual(error._tag === "BrokerError" && error.reason._tag, "Nacked")
      assert.deepStrictEqual(error._tag === "BrokerError" && error.confirmedIds, ids(sent.slice(0, 2)))
      assert.deepStrictEqual(yield* unsentIds, ids(sent.slice(2)))
    }).pipe(Effect.scoped, Effect.provide(withPublisher(exchange)))
  })
})

describe("OutboxRelay on a failing network", () => {
  /** The in-memory outbox, a proxy to the broker, and a publisher that goes through the proxy. */
  const throughProxy = <A, E, R>(exchange: string, body: (p: FlakyNetwork) => Effect.Effect<A, E, R>) =>
    Effect.gen(function* () {
      const p = yield* flakyNetwork(brokerAddress())
      const url = new URL(Redacted.value(brokerUrlRedacted()))
      url.hostname = "127.0.0.1"
      url.port = String(p.port)
      return yield* body(p).pipe(
        Effect.provide(
          AmqpPublisher.layer({
            ...options(exchange),
            url: Redacted.make(url.href),
            confirmTimeout: "1 second"
          })
        )
      )
    }).pipe(Effect.scoped, Effect.provide(layerInMemory))

  it.live("a stalled broker: confirms time out, nothing is marked, the retry sends the same events", () => {
    const exchange = unique("tickettoken.test")
    return throughProxy(exchange, (p) =>
      Effect.gen(function* () {
        yield* cleanupExchange(exchange)
        const all = yield* consumer(exchange)
        yield* (yield* AmqpPublisher).connect
        const sent = many(5, 2)
        yield* append(sent)

        p.freeze()
        const error = yield* Effect.flip(OutboxRelay.relayOnce())
        assert.strictEqual(error._tag === "BrokerError" && error.reason._tag, "ConfirmTimeout")
        assert.deepStrictEqual(yield* unsentIds, ids(sent))

        p.thaw()
        assert.deepStrictEqual(yield* OutboxRelay.relayOnce(), { read: 5, relayed: 5 })
        assert.deepStrictEqual(yield* unsentIds, [])
        // The broker had taken the first attempt too: consumers see each id at least once.
        const received = yield* Effect.promise(() => all.drain())
        assert.deepStrictEqual(new Set(received.map((m) => m.messageId)), new Set(ids(sent)))
        assert.isAtLeast(received.length, sent.length)
      })
    )
  })

  it.live("a connection cut before the confirms: ConnectionLost, nothing is marked", () => {
    const exchange = unique("tickettoken.test")
    return throughProxy(exchange, (p) =>
      Effect.gen(function* () {
        yield* cleanupExchange(exchange)
        const all = yield* consumer(exchange)
        yield* (yield* AmqpPublisher).connect
        const sent = many(8, 3)
        yield* append(sent)

        p.freeze()
        const relay = yield* Effect.forkChild(Effect.flip(OutboxRelay.relayOnce()))
        yield* Effect.sleep(200)
        p.cut()
        const error = yield* Fiber.join(relay)
        assert.strictEqual(error._tag === "BrokerError" && error.reason._tag, "ConnectionLost")
        assert.deepStrictEqual(yield* unsentIds, ids(sent))

        p.thaw()
        assert.deepStrictEqual(yield* OutboxRelay.relayOnce(), { read: 8, relayed: 8 })
        const received = yield* Effect.promise(() => all.drain())
        assert.deepStrictEqual(new Set(received.map((m) => m.messageId)), new Set(ids(sent)))
      })
    )
  })
})

describe("OutboxRelay secrets", () => {
  const secret = "s3cret-Never-Logged"

  const relayWith = (url: string) => {
    const logs = makeLogs()
    return Effect.gen(function* () {
      yield* append(many(1, 1))
      return yield* OutboxRelay.relayOnce()
    }).pipe(
      Effect.provide(Layer.merge(layerInMemory, AmqpPublisher.layer({ url: Redacted.make(url) }))),
      Effect.flip,
      Effect.provide(logs.layer),
      Effect.map((error) => ({ error, logs }))
    )
  }

  it.live("an unreachable broker fails as Unreachable, naming the host and not the password", () =>
    Effect.gen(function* () {
      const { error, logs } = yield* relayWith(`amqp://relay:${secret}@127.0.0.1:1/`)
      assert.strictEqual(error._tag === "BrokerError" && error.reason._tag, "Unreachable")
      assert.strictEqual(error._tag === "BrokerError" && error.broker, "127.0.0.1:1")
      assert.include(error.message, "127.0.0.1:1")
      assert.notInclude(JSON.stringify(error), secret)
      assert.notInclude(error.message, secret)
      assert.notInclude(logs.text(), secret)
    })
  )

  it.live("a wrong password is Unreachable too, and the password appears nowhere", () =>
    Effect.gen(function* () {
      const real = new URL(Redacted.value(brokerUrlRedacted()))
      real.password = secret
      const { error, logs } = yield* relayWith(real.href)
      assert.strictEqual(error._tag === "BrokerError" && error.reason._tag, "Unreachable")
      assert.notInclude(JSON.stringify(error), secret)
      assert.notInclude(error.message, secret)
      assert.notInclude(logs.text(), secret)
    })
  )
})
