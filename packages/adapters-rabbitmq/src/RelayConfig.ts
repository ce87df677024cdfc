/**
 * Where and how often the outbox is relayed. From code (`RelayOptions`) or from the environment
 * (`config`): RABBITMQ_URL, RABBITMQ_EXCHANGE, RELAY_INTERVAL_MS, RELAY_BATCH.
 * The URL may carry a password: it stays Redacted, and only its host is ever logged.
 */
import { Config, Duration, Option, Redacted } from "effect"

export interface RelayOptions {
  /** amqp://user:password@host:port/vhost */
  readonly url: Redacted.Redacted<string>
  /** A durable topic exchange, asserted on every connection; default `tickettoken.events`. */
  readonly exchange?: string | undefined
  /** Pause between polls once the outbox is drained; default 500 ms. */
  readonly interval?: Duration.Input | undefined
  /** Events per batch (one publish round, one confirm wait, one markSent); default 100. */
  readonly batch?: number | undefined
  /** A batch whose confirms have not all come back by then counts as failed; default 10 s. */
  readonly confirmTimeout?: Duration.Input | undefined
  /** Opening a connection (TCP and AMQP handshake) gives up after this long; default 10 s. */
  readonly connectTimeout?: Duration.Input | undefined
  /** Reconnect back-off after a failure: exponential from `initial` up to `max`, jittered. */
  readonly backoff?: {
    readonly initial?: Duration.Input | undefined
    readonly max?: Duration.Input | undefined
  }
  /** Shown in the broker's connection list. */
  readonly connectionName?: string | undefined
}

export const defaultExchange = "tickettoken.events"

/** The options with every default filled in. */
export interface ResolvedOptions {
  readonly url: Redacted.Redacted<string>
  readonly exchange: string
  readonly interval: Duration.Duration
  readonly batch: number
  readonly confirmTimeout: Duration.Duration
  readonly connectTimeout: Duration.Duration
  readonly backoffInitial: Duration.Duration
  readonly backoffMax: Duration.Duration
  readonly connectionName: string
  /** host:port/vhost, the only part of the URL that may be logged. */
  readonly broker: string
}

export const resolve = (options: RelayOptions): ResolvedOptions => ({
  url: options.url,
  exchange: options.exchange ?? defaultExchange,
  interval: Duration.fromInputUnsafe(options.interval ?? 500),
  batch: Math.max(1, Math.floor(options.batch ?? 100)),
  confirmTimeout: Duration.fromInputUnsafe(options.confirmTimeout ?? "10 seconds"),
  connectTimeout: Duration.fromInputUnsafe(options.connectTimeout ?? "10 seconds"),
  backoffInitial: Duration.fromInputUnsafe(options.backoff?.initial ?? "250 millis"),
  backoffMax: Duration.fromInputUnsafe(options.backoff?.max ?? "10 seconds"),
  connectionName: options.connectionName ?? "tickettoken-minting outbox relay",
  broker: describeBroker(options.url)
})

/** host:port/vhost of an AMQP URL: no user, no password, no query. */
export const describeBroker = (url: Redacted.Redacted<string>): string => {
  try {
    const parsed = new URL(Redacted.value(url))
    const port = parsed.port || (parsed.protocol === "amqps:" ? "5671" : "5672")
    const vhost = parsed.pathname.length > 1 ? parsed.pathname : "/"
    return `${parsed.hostname}:${port}${vhost === "/" ? "" : vhost}`
  } catch {
    return "(unparseable RABBITMQ_URL)"
  }
}

/**
 * A driver message with the URL and its password taken out. amqplib does not put them in its
 * messages today; this keeps it so whatever a later version or Node's URL parser says.
 */
export const scrub = (message: string, url: Redacted.Redacted<string>): string => {
  const raw = Redacted.value(url)
  let out = raw.length > 0 ? message.split(raw).join("(RABBITMQ_URL)") : message
  let password = ""
  try {
    password = new URL(raw).password
  } catch {
    // An unparseable URL has no password we could find; the whole URL is already out.
  }
  const variants = [password]
  try {
    variants.push(decodeURIComponent(password))
  } catch {
    // Malformed percent-encoding: only the raw form can appear.
  }
  for (const secret of variants) if (secret.length > 0) out = out.split(secret).join("***")
  return out
}

/** The options from the environment, or None when RABBITMQ_URL is not set. */
export const config: Config.Config<Option.Option<RelayOptions>> = Config.all({
  url: Config.option(Config.Redacted("RABBITMQ_URL")),
  exchange: Config.String("RABBITMQ_EXCHANGE").pipe(Config.withDefault(defaultExchange)),
  intervalMs: Config.Int("RELAY_INTERVAL_MS").pipe(Config.withDefault(500)),
  batch: Config.Int("RELAY_BATCH").pipe(Config.withDefault(100))
}).pipe(
  Config.map((c) =>
    Option.map(
      // An empty RABBITMQ_URL (a blank line in an env file) means "not configured", not "broken".
      Option.filter(c.url, (url) => Redacted.value(url).trim().length > 0),
      (url): RelayOptions => ({
        url,
        exchange: c.exchange,
        interval: Duration.millis(Math.max(1, c.intervalMs)),
        batch: c.batch
      })
    )
  )
)
