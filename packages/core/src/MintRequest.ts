/**
 * What a caller asks for: one sold ticket to mint. The HTTP API validates requests with
 * this schema and the typed client encodes them with it, so the two cannot drift.
 */
import { Schema } from "effect"
import * as Base58 from "./Base58.ts"

export const PublicKey = Schema.String.check(
  Schema.makeFilter((text: string) => Base58.isPublicKey(text) || "a base58 Solana public key (32 bytes)")
).annotate({ identifier: "PublicKey", description: "A base58 Solana public key" })

const Id = Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(128))

export class Creator extends Schema.Class<Creator>("@tickettoken/minting-core/Creator")({
  address: PublicKey,
  share: Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 100 }))
}) {}

export class TicketMetadataInput extends Schema.Class<TicketMetadataInput>(
  "@tickettoken/minting-core/TicketMetadataInput"
)({
  /** On-chain name; defaults to `Ticket #<ticketId>`. At most 32 bytes of UTF-8. */
  name: Schema.optional(Schema.String),
  symbol: Schema.optional(Schema.String),
  eventName: Schema.optional(Schema.String.check(Schema.isMaxLength(200))),
  description: Schema.optional(Schema.String.check(Schema.isMaxLength(2000))),
  image: Schema.optional(Schema.String.check(Schema.isMaxLength(500))),
  sellerFeeBasisPoints: Schema.optional(Schema.Int),
  creators: Schema.optional(Schema.Array(Creator))
}) {}

export class MintRequest extends Schema.Class<MintRequest>("@tickettoken/minting-core/MintRequest")({
  ticketId: Id,
  orderId: Id,
  eventId: Id,
  owner: PublicKey,
  collectionId: Schema.optional(Id),
  metadata: Schema.optional(TicketMetadataInput)
}) {}

/**
 * A stable text form of a request, with keys sorted, so that "the same body" means the same
 * fields and values whatever their order on the wire.
 */
export const fingerprint = (request: MintRequest): string =>
  canonicalJson(Schema.encodeSync(MintRequest)(request))

const canonicalJson = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`
  }
  return JSON.stringify(value)
}
