/**
 * The one error of the broker side. Every reason is worth retrying: the relay backs off and
 * tries the same events again. Messages never hold the URL or its password (see `scrub`).
 */
import { Schema } from "effect"

/** No connection could be opened (refused, DNS, TLS, authentication, vhost). */
export class Unreachable extends Schema.TaggedError<Unreachable>()("Unreachable", {
  message: Schema.String
}) {}

/** The connection or channel went away under us (broker restart, network, heartbeat). */
export class ConnectionLost extends Schema.TaggedError<ConnectionLost>()("ConnectionLost", {
  message: Schema.String
}) {}

/**
 * The broker closed the channel over something we asked for: the exchange is missing (404) or
 * exists with another type (406). Retrying helps once the exchange is asserted again.
 */
export class Refused extends Schema.TaggedError<Refused>()("Refused", {
  code: Schema.Number,
  message: Schema.String
}) {}

/** The broker answered basic.nack: it could not take responsibility for the message. */
export class Nacked extends Schema.TaggedError<Nacked>()("Nacked", { count: Schema.Int }) {}

/** Confirms did not all come back in time (a blocked connection, a stalled broker). */
export class ConfirmTimeout extends Schema.TaggedError<ConfirmTimeout>()("ConfirmTimeout", {
  millis: Schema.Number
}) {}

export const BrokerErrorReason = Schema.Union([Unreachable, ConnectionLost, Refused, Nacked, ConfirmTimeout])
export type BrokerErrorReason = typeof BrokerErrorReason.Type

export class BrokerError extends Schema.TaggedError<BrokerError>()("BrokerError", {
  /** host:port/vhost, never the URL. */
  broker: Schema.String,
  reason: BrokerErrorReason,
  /** Events of the failed batch the broker did confirm before it failed. */
  confirmedIds: Schema.Array(Schema.String)
}) {
  override get message(): string {
    const r = this.reason
    switch (r._tag) {
      case "Nacked":
        return `${this.broker}: ${r.count} message(s) nacked`
      case "ConfirmTimeout":
        return `${this.broker}: confirms not received within ${r.millis} ms`
      case "Refused":
        return `${this.broker}: refused (${r.code}): ${r.message}`
      default:
        return `${this.broker}: ${r.message}`
    }
  }
}
