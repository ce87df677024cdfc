/**
 * Publishing to RabbitMQ with publisher confirms, over one connection and one confirm channel
 * opened on first use. Any failure closes the link; the next publish opens a new one and
 * asserts the exchange again, so a broker restart or a deleted exchange heals by itself.
 */
import type { OutboxEvent } from "@tickettoken/minting-core"
import * as Amqp from "amqplib"
import { Context, Duration, Effect, Layer, Redacted, Semaphore } from "effect"
import {
  BrokerError,
  type BrokerErrorReason,
  ConfirmTimeout,
  ConnectionLost,
  Nacked,
  Refused,
  Unreachable
} from "./BrokerError.ts"
import * as OutboxMessage from "./OutboxMessage.ts"
import { type RelayOptions, type ResolvedOptions, resolve, scrub } from "./RelayConfig.ts"

export class AmqpPublisher extends Context.Service<
  AmqpPublisher,
  {
    /** host:port/vhost, for logs. */
    readonly broker: string
    readonly exchange: string
    /** Opens the link if none is open (asserting the exchange); a no-op on an open one. */
    readonly connect: Effect.Effect<void, BrokerError>
    /**
     * Publishes the events in order on one confirm channel and waits until the broker has
     * confirmed every one. On failure the error lists the ids it did confirm.
     */
    publish(events: ReadonlyArray<OutboxEvent>): Effect.Effect<void, BrokerError>
  }
>()("@tickettoken/minting-rabbitmq/AmqpPublisher") {
  /** A publisher for the options; the connection opens on first use and closes with the layer. */
  static readonly layer = (options: RelayOptions): Layer.Layer<AmqpPublisher> =>
    Layer.effect(AmqpPublisher, make(resolve(options)))
}

interface Link {
  readonly model: Amqp.ChannelModel
  readonly channel: Amqp.ConfirmChannel
  /** Set from the driver's events as soon as the link is unusable. */
  lost: BrokerErrorReason | undefined
  /** The broker's reason while it refuses publishes (a memory or disk alarm). */
  blocked: string | undefined
}

interface Outcome {
  readonly confirmed: ReadonlyArray<string>
  readonly failure: BrokerErrorReason | undefined
}

/** Close and give up waiting after this long: a half-open socket never answers. */
const closeWithinMs = 2_000

const within = (promise: Promise<unknown>, ms: number): Promise<void> =>
  new Promise((done) => {
    const timer = setTimeout(done, ms)
    promise.then(
      () => {
        clearTimeout(timer)
        done()
      },
      () => {
        clearTimeout(timer)
        done()
      }
    )
  })

const messageOf = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause))

/** AMQP reply codes the broker closes a channel with when it refuses what we asked. */
const isRefusal = (code: unknown): code is number =>
  typeof code === "number" && code >= 400 && code < 600 && code !== 320 && code !== 541

export const make = (options: ResolvedOptions) =>
  Effect.gen(function* () {
    const { broker, exchange, url } = options
    const confirmTimeoutMs = Duration.toMillis(options.confirmTimeout)
    const connectTimeoutMs = Duration.toMillis(options.connectTimeout)
    const lock = yield* Semaphore.make(1)
    let current: Link | undefined

    const classify = (cause: unknown): BrokerErrorReason => {
      const message = scrub(messageOf(cause), url)
      const code = (cause as { readonly code?: unknown } | null)?.code
      return isRefusal(code) ? new Refused({ code, message }) : new ConnectionLost({ message })
    }

    const fail = (reason: BrokerErrorReason, confirmedIds: ReadonlyArray<string> = []) =>
      new BrokerError({ broker, reason, confirmedIds: [...confirmedIds] })

    const open = Effect.suspend(() => {
      // Failing to connect (refused, authentication, vhost) is Unreachable whatever code the
      // broker sent; after that, a code says the broker refused the exchange.
      let connected = false
      return Effect.tryPromise({
        try: async (signal): Promise<Link> => {
          const model = await Amqp.connect(Redacted.value(url), {
            clientProperties: { connection_name: options.connectionName },
            timeout: connectTimeoutMs
          })
          connected = true
          const health: Pick<Link, "lost" | "blocked"> = { lost: undefined, blocked: undefined }
          // Listening at once: an "error" event nobody hears is thrown, and would end the process.
          model.on("error", (err: unknown) => {
            health.lost ??= classify(err)
          })
          model.on("close", () => {
            health.lost ??= new ConnectionLost({ message: "connection closed" })
          })
          model.on("blocked", (reason: string) => {
            health.blocked = reason
          })
          model.on("unblocked", () => {
            health.blocked = undefined
          })
          try {
            // Interrupted while connecting (the layer closing): this connection is nobody's.
            if (signal.aborted) throw new Error("interrupted while connecting")
            const channel = await model.createConfirmChannel()
            channel.on("error", (err: unknown) => {
              health.lost ??= classify(err)
            })
            channel.on("close", () => {
              health.lost ??= new ConnectionLost({ message: "channel closed" })
            })
            await channel.assertExchange(exchange, "topic", { durable: true })
            if (signal.aborted) throw new Error("interrupted while connecting")
            return Object.assign(health, { model, channel })
          } catch (cause) {
            await within(model.close(), closeWithinMs)
            throw cause
          }
        },
        catch: (cause) =>
          fail(connected ? classify(cause) : new Unreachable({ message: scrub(messageOf(cause), url) }))
      })
    }).pipe(
      Effect.tap(() => Effect.logInfo("outbox relay: connected to RabbitMQ", { broker, exchange })),
      Effect.withSpan("AmqpPublisher.open", { attributes: { broker, exchange } })
    )

    const drop = (link: Link) =>
      Effect.promise(() => {
        if (current === link) current = undefined
        return within(link.model.close(), closeWithinMs)
      })

    /** The open link, or a new one in place of a lost one. */
    const ensure = Effect.gen(function* () {
      if (current !== undefined && current.lost === undefined) return current
      if (current !== undefined) yield* drop(current)
      const link = yield* open
      current = link
      return link
    })

    const publishAll = (link: Link, events: ReadonlyArray<OutboxEvent>): Promise<Outcome> =>
      new Promise((settle) => {
        const confirmed: Array<string> = []
        let outstanding = events.length
        let nacked = 0
        let errored = false
        let timedOut = false
        let next = 0
        let done = false

        const finish = () => {
          if (done) return
          done = true
          clearTimeout(timer)
          link.channel.removeListener("close", onClose)
          // The driver's own account (404 from the broker, 320 on a restart) says more than
          // the "channel closed" each callback gets.
          const failure: BrokerErrorReason | undefined =
            nacked > 0
              ? new Nacked({ count: nacked })
              : timedOut
                ? new ConfirmTimeout({ millis: confirmTimeoutMs })
                : errored || next < events.length
                  ? (link.lost ?? new ConnectionLost({ message: "channel closed before every confirm" }))
                  : undefined
          settle({ confirmed, failure })
        }

        const settleOne = (id: string) => (err: unknown) => {
          if (err === null || err === undefined) confirmed.push(id)
          else if (messageOf(err) === "message nacked") nacked++
          else errored = true
          outstanding--
          if (outstanding === 0) finish()
        }

        // Messages never handed to the channel will never be confirmed: stop counting them.
        const abandonRest = () => {
          outstanding -= events.length - next
          if (outstanding <= 0) finish()
        }

        const onClose = () => {
          if (next < events.length) abandonRest()
        }

        const timer = setTimeout(() => {
          timedOut = true
          // Whatever comes back later is not trusted: the channel is dropped with the link.
          link.lost ??= new ConfirmTimeout({ millis: confirmTimeoutMs })
          finish()
        }, confirmTimeoutMs)
        link.channel.on("close", onClose)

        const sendFrom = () => {
          while (next < events.length) {
            const event = events[next]!
            const message = OutboxMessage.encode(event)
            let writable: boolean
            try {
              writable = link.channel.publish(
                exchange,
                message.routingKey,
                message.content,
                message.options,
                settleOne(event.id)
              )
            } catch (cause) {
              // A closed channel throws before it registers the callback.
              errored = true
              link.lost ??= classify(cause)
              abandonRest()
              return
            }
            next++
            if (!writable) {
              link.channel.once("drain", sendFrom)
              return
            }
          }
        }
        if (events.length === 0) finish()
        else sendFrom()
      })

    const publish = Effect.fn("AmqpPublisher.publish")(
      function* (events: ReadonlyArray<OutboxEvent>) {
        if (events.length === 0) return
        const link = yield* ensure
        const outcome = yield* Effect.promise(() => publishAll(link, events))
        if (outcome.failure === undefined) return
        link.lost ??= outcome.failure
        yield* drop(link)
        if (link.blocked !== undefined && outcome.failure._tag === "ConfirmTimeout") {
          yield* Effect.logWarning("outbox relay: the broker blocks publishing", {
            broker,
            reason: link.blocked
          })
        }
        return yield* fail(outcome.failure, outcome.confirmed)
      },
      (effect) => lock.withPermits(1)(effect)
    )

    // Under the lock: a batch being published finishes (bounded by the confirm timeout) first.
    yield* Effect.addFinalizer(() =>
      lock.withPermits(1)(
        Effect.promise(async () => {
          const link = current
          current = undefined
          if (link === undefined || link.lost !== undefined) {
            if (link !== undefined) await within(link.model.close(), closeWithinMs)
            return
          }
          // A clean close (channel, then connection) rather than a dropped socket: the broker
          // logs no error.
          await within(link.channel.close(), closeWithinMs)
          await within(link.model.close(), closeWithinMs)
        })
      )
    )

    return AmqpPublisher.of({
      broker,
      exchange,
      connect: lock.withPermits(1)(Effect.asVoid(ensure)),
      publish
    })
  })
