/**
 * The real broker the tests run against, and a consumer that reads what the relay published.
 * The queue is durable and not exclusive, so messages wait in it across a broker restart.
 */
import { execFile } from "node:child_process"
import { randomUUID } from "node:crypto"
import { createConnection } from "node:net"
import * as Amqp from "amqplib"
import { Effect, Redacted } from "effect"

export const brokerUrl = (): string => process.env.RABBITMQ_URL ?? "amqp://guest:guest@127.0.0.1:5672"
export const brokerUrlRedacted = (): Redacted.Redacted<string> => Redacted.make(brokerUrl())

export const brokerAddress = (): { readonly host: string; readonly port: number } => {
  const url = new URL(brokerUrl())
  return { host: url.hostname, port: Number(url.port || 5672) }
}

export const isReachable = (host: string, port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = createConnection({ host, port })
    socket.setTimeout(2_000)
    socket.once("connect", () => {
      socket.destroy()
      resolve(true)
    })
    socket.once("error", () => resolve(false))
    socket.once("timeout", () => {
      socket.destroy()
      resolve(false)
    })
  })

/** A name no earlier run used, so runs never see each other's exchanges or queues. */
export const unique = (prefix: string): string => `${prefix}.${randomUUID().slice(0, 8)}`

export const rabbitmqctl = (...args: ReadonlyArray<string>): Promise<string> =>
  new Promise((resolve, reject) => {
    execFile("rabbitmqctl", [...args], { timeout: 60_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`rabbitmqctl ${args.join(" ")}: ${stderr || error.message}`)) : resolve(stdout)
    )
  })

export interface Received {
  readonly routingKey: string
  readonly exchange: string
  readonly messageId: string | undefined
  readonly type: string | undefined
  readonly deliveryMode: number | undefined
  readonly contentType: string | undefined
  readonly body: {
    readonly id: string
    readonly topic: string
    readonly key: string
    readonly createdAt: string
    readonly payload: unknown
  }
}

export interface Consumer {
  readonly queue: string
  /** Everything in the queue now, oldest first, removed from it. */
  readonly drain: () => Promise<ReadonlyArray<Received>>
  /** Binds the queue again (after the exchange was deleted and asserted anew). */
  readonly bind: () => Promise<void>
}

const withChannel = async <A>(f: (channel: Amqp.Channel) => Promise<A>): Promise<A> => {
  const connection = await Amqp.connect(brokerUrl())
  // Errors come back through the promises; unheard "error" events would crash the worker.
  connection.on("error", () => undefined)
  try {
    const channel = await connection.createChannel()
    channel.on("error", () => undefined)
    return await f(channel)
  } finally {
    await connection.close().catch(() => undefined)
  }
}

export const deleteExchange = (exchange: string) =>
  withChannel((channel) => channel.deleteExchange(exchange).then(() => undefined))

/**
 * A durable queue bound to the exchange with `pattern` (every topic by default), deleted with
 * the exchange when the scope closes. Each call opens its own short connection, so a broker
 * restart in between costs it nothing.
 */
export const consumer = (exchange: string, pattern = "#") =>
  Effect.acquireRelease(
    Effect.promise(async (): Promise<Consumer> => {
      const queue = unique("relay-test")
      const bind = () =>
        withChannel(async (channel) => {
          await channel.assertExchange(exchange, "topic", { durable: true })
          await channel.assertQueue(queue, { durable: true, exclusive: false, autoDelete: false })
          await channel.bindQueue(queue, exchange, pattern)
        })
      await bind()
      const drain = () =>
        withChannel(async (channel) => {
          const out: Array<Received> = []
          for (;;) {
            const message = await channel.get(queue, { noAck: true })
            if (message === false) return out
            out.push({
              routingKey: message.fields.routingKey,
              exchange: message.fields.exchange,
              messageId: message.properties.messageId,
              type: message.properties.type,
              deliveryMode: message.properties.deliveryMode,
              contentType: message.properties.contentType,
              body: JSON.parse(message.content.toString("utf8"))
            })
          }
        })
      return { queue, drain, bind }
    }),
    (c) =>
      Effect.promise(() =>
        withChannel(async (channel) => {
          await channel.deleteQueue(c.queue).catch(() => undefined)
        })
      )
  )

/** Deletes the exchange when the scope closes. */
export const cleanupExchange = (exchange: string) =>
  Effect.addFinalizer(() => Effect.promise(() => deleteExchange(exchange).catch(() => undefined)))
