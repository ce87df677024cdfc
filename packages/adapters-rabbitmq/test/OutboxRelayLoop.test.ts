/**
 * The relay as the app runs it: a layer that polls in the background. Against the real broker,
 * including a broker restart in the middle of relaying.
 */
import { assert, describe, it } from "@effect/vitest"
import { Outbox, type OutboxEvent } from "@tickettoken/minting-core"
import { layerInMemory } from "@tickettoken/minting-core/testing"
import { ConfigProvider, type Duration, Effect, Exit, Fiber, Layer, Metric, Redacted, Scope } from "effect"
import { OutboxRelay } from "../src/index.ts"
import {
  brokerAddress,
  brokerUrl,
  brokerUrlRedacted,
  cleanupExchange,
  consumer,
  type Received,
  rabbitmqctl,
  unique
} from "./Broker.ts"
import { many } from "./Events.ts"
import { makeLogs } from "./Logs.ts"

const append = (xs: ReadonlyArray<OutboxEvent>) =>
  Effect.gen(function* () {
    const outbox = yield* Outbox
    for (const e of xs) yield* outbox.append(e)
  })

const unsentCount = Effect.gen(function* () {
  const outbox = yield* Outbox
  return (yield* outbox.unsent(100_000)).length
})

/** Polls until `done` holds, or fails naming what it waited for. */
const waitUntil = <E, R>(what: string, check: Effect.Effect<boolean, E, R>, timeout: Duration.Input) =>
  Effect.gen(function* () {
    while (!(yield* check)) yield* Effect.sleep(50)
  }).pipe(
    Effect.timeoutOrElse({
      duration: timeout,
      orElse: () => Effect.die(new Error(`timed out waiting until ${what}`))
    })
  )

/** The ids of each key in the order they first arrived (consumers drop repeats by message id). */
const firstArrivals = (received: ReadonlyArray<Received>) => {
  const seen = new Set<string>()
  const out = new Map<string, Array<string>>()
  for (const m of received) {
    if (seen.has(m.body.id)) continue
    seen.add(m.body.id)
    out.set(m.body.key, [...(out.get(m.body.key) ?? []), m.body.id])
  }
  return out
}

const byKey = (xs: ReadonlyArray<OutboxEvent>) => {
  const out = new Map<string, Array<string>>()
  for (const e of xs) out.set(e.key, [...(out.get(e.key) ?? []), e.id])
  return out
}

const relayedSoFar = Effect.gen(function* () {
  let total = 0
  for (const topic of ["mint.requested", "mint.completed", "mint.failed", "mint.missing"]) {
    total += (yield* Metric.value(Metric.withAttributes(OutboxRelay.relayedTotal, { topic }))).count
  }
  return total
})

const env = (values: Record<string, string>) => ConfigProvider.layer(ConfigProvider.fromEnvRecord(values))

describe("OutboxRelay.layerConfig", () => {
  it.live("without RABBITMQ_URL relays nothing, says so once, and the outbox keeps accumulating", () => {
    const logs = makeLogs()
    return Effect.gen(function* () {
      const scope = yield* Scope.make()
      yield* Layer.buildWithScope(
        OutboxRelay.layerConfig.pipe(Layer.provide(env({ RELAY_INTERVAL_MS: "10" }))),
        scope
      )
      const sent = many(5, 2)
      yield* append(sent)
      yield* Effect.sleep(300)
      yield* append(many(3, 1))
      yield* Effect.sleep(100)
      assert.strictEqual(yield* unsentCount, 8)
      const outbox = yield* Outbox
      assert.strictEqual((yield* outbox.list({ limit: 100 })).length, 8)
      yield* Scope.close(scope, Exit.void)
      const notices = logs.lines.filter((l) => l.text.includes("RABBITMQ_URL is not set"))
      assert.strictEqual(notices.length, 1)
    }).pipe(Effect.provide(layerInMemory), Effect.provide(logs.layer))
  })

  it.live("with RABBITMQ_URL relays everything in the background, in order, and counts it", () => {
    const exchange = unique("tickettoken.test")
    return Effect.gen(function* () {
      yield* cleanupExchange(exchange)
      const all = yield* consumer(exchange)
      const before = yield* relayedSoFar
      const scope = yield* Scope.make()
      yield* Layer.buildWithScope(
        OutboxRelay.layerConfig.pipe(
          Layer.provide(
            env({
              RABBITMQ_URL: brokerUrl(),
              RABBITMQ_EXCHANGE: exchange,
              RELAY_INTERVAL_MS: "20",
              RELAY_BATCH: "7"
            })
          )
        ),
        scope
      )
      const sent = many(30, 4)
      yield* append(sent)
      yield* waitUntil(
        "the outbox is drained",
        Effect.map(unsentCount, (n) => n === 0),
        "10 seconds"
      )
      yield* Scope.close(scope, Exit.void)

      const received = yield* Effect.promise(() => all.drain())
      assert.deepStrictEqual(
        received.map((m) => m.messageId),
        sent.map((e) => e.id)
      )
      assert.strictEqual((yield* relayedSoFar) - before, 30)
      assert.strictEqual((yield* Metric.value(OutboxRelay.lagSeconds)).value, 0)
    }).pipe(Effect.scoped, Effect.provide(layerInMemory))
  })
})

describe("OutboxRelay.layer", () => {
  it.live(
    "relays on several replicas publish every event once, in order per key: one relays at a time",
    () => {
      const exchange = unique("tickettoken.test")
      const logs = makeLogs()
      return Effect.gen(function* () {
        yield* cleanupExchange(exchange)
        const all = yield* consumer(exchange)
        const scope = yield* Scope.make()
        // Three replicas' relays, each with its own broker connection, over one outbox and one
        // leader lock, polling often enough that without the lock they read the same rows.
        const relay = (n: number) =>
          OutboxRelay.layer({
            url: brokerUrlRedacted(),
            exchange,
            interval: 2,
            batch: 5,
            connectionName: `${exchange}.${n}`
          })
        for (const n of [1, 2, 3]) yield* Layer.buildWithScope(relay(n), scope)
        const sent = many(300, 6)
        yield* Effect.forEach(sent, (e) => Effect.andThen(append([e]), Effect.sleep(1)), { discard: true })
        yield* waitUntil(
          "the outbox is drained",
          Effect.map(unsentCount, (n) => n === 0),
          "20 seconds"
        )
        yield* Scope.close(scope, Exit.void)

        const received = yield* Effect.promise(() => all.drain())
        assert.deepStrictEqual(
          received.map((m) => m.messageId).sort(),
          sent.map((e) => e.id).sort(),
          "each event published once"
        )
        assert.deepStrictEqual(firstArrivals(received), byKey(sent))
        const waiting = logs.lines.filter((l) => l.text.includes("another replica holds the leader lock"))
        assert.isAbove(waiting.length, 0, "some relay found the lock held")
        assert.isAtMost(waiting.length, 3, "said once per relay, not at every turn")
      }).pipe(Effect.scoped, Effect.provide(layerInMemory), Effect.provide(logs.layer))
    },
    45_000
  )

  it.live(
    "a broker restart in the middle of relaying loses nothing: every event arrives, in order per key",
    () => {
      const exchange = unique("tickettoken.test")
      const connectionName = unique("relay-restart")
      const logs = makeLogs()
      return Effect.gen(function* () {
        const { host } = brokerAddress()
        // rabbitmqctl restarts the broker on this machine: a remote RABBITMQ_URL cannot take this test.
        assert.include(["127.0.0.1", "localhost", "::1"], host, "the restart test needs the local broker")
        yield* cleanupExchange(exchange)
        const all = yield* consumer(exchange)
        // Whatever happens below, the broker is left running for everyone else.
        yield* Effect.addFinalizer(() => Effect.promise(() => rabbitmqctl("start_app").catch(() => "")))

        const scope = yield* Scope.make()
        yield* Layer.buildWithScope(
          OutboxRelay.layer({
            url: brokerUrlRedacted(),
            exchange,
            interval: 20,
            batch: 10,
            confirmTimeout: "3 seconds",
            backoff: { initial: "100 millis", max: "1 second" },
            connectionName
          }),
          scope
        )

        // The service keeps writing events while the broker goes away and comes back.
        const sent = many(600, 12)
        const writer = yield* Effect.forkChild(
          Effect.forEach(sent, (e) => Effect.andThen(append([e]), Effect.sleep(8)), { discard: true })
        )
        yield* waitUntil(
          "some events are relayed",
          Effect.map(unsentCount, (n) => n < 100),
          "10 seconds"
        ).pipe(Effect.andThen(Effect.sleep(500)))
        const listed = yield* Effect.promise(() => rabbitmqctl("list_connections", "client_properties"))
        assert.include(listed, connectionName)

        const started = Date.now()
        yield* Effect.promise(() => rabbitmqctl("stop_app"))
        yield* Effect.sleep(1_500)
        const pendingWhileDown = yield* unsentCount
        yield* Effect.promise(() => rabbitmqctl("start_app"))
        yield* Effect.promise(() => rabbitmqctl("await_startup"))

        yield* Fiber.join(writer)
        yield* waitUntil(
          "the outbox is drained",
          Effect.map(unsentCount, (n) => n === 0),
          "20 seconds"
        )
        const recoveredMs = Date.now() - started
        yield* Scope.close(scope, Exit.void)

        const received = yield* Effect.promise(() => all.drain())
        const arrived = new Set(received.map((m) => m.body.id))
        const missing = sent.filter((e) => !arrived.has(e.id))
        assert.deepStrictEqual(
          missing.map((e) => e.id),
          []
        )
        assert.deepStrictEqual(firstArrivals(received), byKey(sent))
        assert.isAbove(pendingWhileDown, 0, "events accumulated while the broker was down")

        const warnings = logs.lines.filter((l) => l.level === "Warn" && l.text.includes("batch failed"))
        assert.isAbove(warnings.length, 0)
        assert.include(warnings[0]!.text, "127.0.0.1:5672")
        assert.notInclude(logs.text(), Redacted.value(brokerUrlRedacted()))

        // Closing the layer closed its connection.
        const after = yield* Effect.promise(() => rabbitmqctl("list_connections", "client_properties"))
        assert.notInclude(after, connectionName)

        console.log(
          `restart: ${sent.length} events, ${received.length - arrived.size} duplicate deliveries, ` +
            `${warnings.length} failed attempts, drained ${recoveredMs} ms after stop_app`
        )
      }).pipe(Effect.scoped, Effect.provide(layerInMemory), Effect.provide(logs.layer))
    },
    45_000
  )
})
