/**
 * Relays the outbox to RabbitMQ: oldest unsent events first, one batch at a time, each batch
 * published and confirmed before its rows are marked sent. A failure leaves the rows unsent
 * and the same events go out again once the broker is back: at least once, in order per key.
 *
 * Every replica may run a relay: each batch is relayed under the leader lock `outbox-relay`,
 * so one relay at a time reads and publishes; the others find the lock held and wait for their
 * next poll. Two relays reading the same unsent rows would publish every event twice, and their
 * batches could interleave one key's events out of order.
 */
import { LeaderLock, Outbox, type OutboxEvent, type RepositoryError } from "@tickettoken/minting-core"
import { type Config, DateTime, Duration, Effect, Layer, Metric, Option, Schedule } from "effect"
import { AmqpPublisher, make as makePublisher } from "./AmqpPublisher.ts"
import type { BrokerError } from "./BrokerError.ts"
import * as RelayConfig from "./RelayConfig.ts"

export const relayedTotal = Metric.counter("outbox_relayed_total", {
  description: "Outbox events confirmed by RabbitMQ and marked sent, by topic",
  incremental: true
})

export const failuresTotal = Metric.counter("outbox_relay_failures_total", {
  description: "Relay batches that failed, by reason (the batch is retried)",
  incremental: true
})

export const lagSeconds = Metric.gauge("outbox_relay_lag_seconds", {
  description: "Age of the oldest unsent outbox event at the last poll; 0 when the outbox is drained"
})

export interface RelayedBatch {
  /** Unsent events read. */
  readonly read: number
  /** Of those, confirmed and marked sent. */
  readonly relayed: number
}

/**
 * The events of a partly confirmed batch that may be marked sent: confirmed, and with no
 * earlier event of the same key left unconfirmed, which would otherwise be sent again after
 * them. The others go out again with the next batch.
 */
export const markable = (
  events: ReadonlyArray<OutboxEvent>,
  confirmedIds: ReadonlyArray<string>
): ReadonlyArray<OutboxEvent> => {
  const confirmed = new Set(confirmedIds)
  const held = new Set<string>()
  const out: Array<OutboxEvent> = []
  for (const event of events) {
    if (confirmed.has(event.id) && !held.has(event.key)) out.push(event)
    else held.add(event.key)
  }
  return out
}

const markSent = (outbox: Outbox["Service"], events: ReadonlyArray<OutboxEvent>) =>
  Effect.gen(function* () {
    if (events.length === 0) return
    const at = yield* DateTime.now
    yield* outbox.markSent(
      events.map((e) => e.id),
      at
    )
    const byTopic = new Map<string, number>()
    for (const e of events) byTopic.set(e.topic, (byTopic.get(e.topic) ?? 0) + 1)
    for (const [topic, n] of byTopic) yield* Metric.update(Metric.withAttributes(relayedTotal, { topic }), n)
  })

const failureReason = (error: BrokerError | RepositoryError): string =>
  error._tag === "BrokerError" ? error.reason._tag : `repository.${error.reason._tag}`

/**
 * One batch: read up to `batch` unsent events, publish them, wait for the broker's confirms,
 * mark the confirmed ones sent. Fails, with nothing unconfirmed marked, when the broker does.
 */
export const relayOnce = Effect.fn("OutboxRelay.relayOnce")(
  function* (options?: { readonly batch?: number | undefined }) {
    const outbox = yield* Outbox
    const publisher = yield* AmqpPublisher
    const batch = Math.max(1, options?.batch ?? 100)
    const events = yield* outbox.unsent(batch)
    const now = yield* DateTime.now
    const oldest = events[0]
    yield* Metric.update(
      lagSeconds,
      oldest === undefined
        ? 0
        : Math.max(0, DateTime.toEpochMillis(now) - DateTime.toEpochMillis(oldest.createdAt)) / 1000
    )
    if (events.length === 0) return { read: 0, relayed: 0 } satisfies RelayedBatch
    // Connecting may be interrupted; once published, the batch finishes (confirms are bounded
    // by the confirm timeout): interrupting between the confirm and markSent would only send
    // it all again.
    yield* publisher.connect
    return yield* Effect.uninterruptible(
      Effect.gen(function* () {
        yield* publisher
          .publish(events)
          .pipe(
            Effect.catchTag("BrokerError", (error) =>
              Effect.andThen(markSent(outbox, markable(events, error.confirmedIds)), Effect.fail(error))
            )
          )
        yield* markSent(outbox, events)
        // A short batch drained the outbox as it stood at the poll.
        if (events.length < batch) yield* Metric.update(lagSeconds, 0)
        return { read: events.length, relayed: events.length } satisfies RelayedBatch
      })
    )
  },
  // The rest parameter is there for the types: Effect.fn takes its arguments from the pipeline too.
  (effect, ..._args) =>
    Effect.tapError(effect, (error) =>
      Metric.update(Metric.withAttributes(failuresTotal, { reason: failureReason(error) }), 1)
    )
)

/** The leader lock a relay holds while it reads and publishes a batch. */
export const RELAY_LOCK = "outbox-relay"

/** Polls and relays until interrupted; backs off with jitter while the broker or store is down. */
export const run = (options: RelayConfig.ResolvedOptions) => {
  const { broker, exchange, batch } = options
  const backoff = Schedule.min([
    Schedule.exponential(options.backoffInitial),
    Schedule.spaced(options.backoffMax)
  ]).pipe(
    Schedule.jittered,
    Schedule.setInputType<BrokerError | RepositoryError>(),
    Schedule.tap((meta) =>
      Effect.logWarning("outbox relay: batch failed; the same events are retried", {
        broker,
        reason: failureReason(meta.input),
        error: meta.input.message,
        attempt: meta.attempt,
        retryInMs: Math.round(Duration.toMillis(meta.duration))
      })
    )
  )
  const round = relayOnce({ batch }).pipe(
    Effect.retry(backoff),
    // A defect (a bug, not the broker) must not end relaying for the life of the process.
    Effect.catchCause((cause) =>
      Effect.andThen(
        Effect.logError("outbox relay: unexpected failure", { cause: String(cause) }),
        Effect.as(Effect.sleep(options.backoffMax), { read: 0, relayed: 0 } satisfies RelayedBatch)
      )
    )
  )
  return Effect.gen(function* () {
    const lock = yield* LeaderLock
    yield* Effect.logInfo("outbox relay: relaying to RabbitMQ", {
      broker,
      exchange,
      intervalMs: Duration.toMillis(options.interval),
      batch,
      lock: RELAY_LOCK
    })
    let sawLockHeld = false
    while (true) {
      // The lock is taken for one batch at a time: a relay whose replica dies or stalls holds
      // it no longer than its batch, and the next poll of another replica takes over.
      const taken = yield* lock.withLock(RELAY_LOCK, round).pipe(
        Effect.catch((error) =>
          Effect.as(
            Effect.logWarning("outbox relay: the leader lock could not be asked", {
              lock: RELAY_LOCK,
              error: error.message
            }),
            Option.none<RelayedBatch>()
          )
        )
      )
      // Relays take turns, a batch each: whoever polls while the lock is free relays the next
      // batch. Said once, the first time another replica's batch was under way.
      if (Option.isNone(taken) && !sawLockHeld) {
        sawLockHeld = true
        yield* Effect.logInfo(
          "outbox relay: another replica holds the leader lock for its batch; the relays take turns, one batch at a time",
          { lock: RELAY_LOCK }
        )
      }
      // A full batch means more may be waiting: go straight on.
      if (Option.isNone(taken) || taken.value.read < batch) yield* Effect.sleep(options.interval)
    }
  }).pipe(Effect.annotateLogs({ component: "outbox-relay" }))
}

/**
 * Relays in the background for the life of the layer. Starting never waits for the broker;
 * closing lets the batch under way finish, then closes the connection cleanly.
 */
export const layer = (options: RelayConfig.RelayOptions): Layer.Layer<never, never, Outbox | LeaderLock> => {
  const resolved = RelayConfig.resolve(options)
  return Layer.effectDiscard(Effect.forkScoped(run(resolved))).pipe(
    Layer.provide(Layer.effect(AmqpPublisher, makePublisher(resolved)))
  )
}

/** Relays nothing; says so once, so nobody waits for events that will not come. */
export const layerDisabled: Layer.Layer<never> = Layer.effectDiscard(
  Effect.logInfo(
    "outbox relay: RABBITMQ_URL is not set; events are not relayed, they accumulate in the outbox and stay readable"
  )
)

/** `layer` from RABBITMQ_URL, RABBITMQ_EXCHANGE, RELAY_INTERVAL_MS, RELAY_BATCH; `layerDisabled` without a URL. */
export const layerConfig: Layer.Layer<never, Config.ConfigError, Outbox | LeaderLock> = Layer.unwrap(
  Effect.map(
    RelayConfig.config,
    Option.match({
      onNone: (): Layer.Layer<never, never, Outbox | LeaderLock> => layerDisabled,
      onSome: layer
    })
  )
)
