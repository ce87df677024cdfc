/**
 * What a caller asks for: one sold ticket to mint. The HTTP API validates requests with
 * this schema and the typed client encodes them with it, so the two cannot drift.
 */
import { Schema } from "effect"
import * as Base58 from "./Base58.ts"

export const PublicKey = Schema.String.check(
  // The pattern is what a JSON Schema can say (base58, 32 to 44 characters); the filter is exact.
  Schema.isPattern(/^[1-9A-HJ-NP-Za-km-z]{32,44}$/u),
  Schema.makeFilter((text: string) => Base58.isPublicKey(text) || "a base58 Solana public key (32 bytes)")
).annotate({
  identifier: "PublicKey",
  description: "A base58 Solana public key (32 bytes)",
  examples: ["9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin"]
})

/**
 * Text PostgreSQL can store and UTF-8 can encode: PostgreSQL refuses NUL (U+0000) in text and
 * JSON, and an unpaired surrogate has no UTF-8 form (encodeURIComponent throws on one). Every
 * string a caller sends is held to this at the edge, so no such text reaches a statement.
 */
export const isStorableText = (text: string): boolean =>
  !text.includes("\u0000") && !unpairedSurrogate.test(text)

const unpairedSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

const storable = Schema.makeFilter(
  (text: string) => isStorableText(text) || "text without NUL (U+0000) or unpaired surrogates"
)

/** A string the database can store (see isStorableText). */
export const Text = Schema.String.check(storable)

/** Text with a description the OpenAPI document shows (set before the check, where it survives). */
const describedText = (description: string) => Schema.String.annotate({ description }).check(storable)

/**
 * The ticket id rule, documented in the README: 1 to 128 characters from the URL-unreserved
 * set (A-Z a-z 0-9 - _ ~ .), not starting with a dot. It keeps `/metadata/<ticketId>` a URL
 * every client fetches as written: no escaping, and no `.` or `..` segment a client would
 * resolve away before sending.
 */
// The u flag: JSON Schema patterns are Unicode regular expressions, and Effect exports only those.
export const ticketIdPattern = /^[A-Za-z0-9_~-][A-Za-z0-9._~-]{0,127}$/u

export const TicketId = Schema.String.check(Schema.isPattern(ticketIdPattern)).annotate({
  identifier: "TicketId",
  description:
    "1-128 characters of A-Z a-z 0-9 - _ ~ . (URL-unreserved), not starting with a dot: the ticket's URL segment as is",
  examples: ["tkt-2026-0001"]
})

const Id = Text.check(Schema.isMinLength(1), Schema.isMaxLength(128))

export class Creator extends Schema.Class<Creator>("@tickettoken/minting-core/Creator")({
  address: PublicKey,
  share: Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 100 }))
}) {}

export class TicketMetadataInput extends Schema.Class<TicketMetadataInput>(
  "@tickettoken/minting-core/TicketMetadataInput"
)({
  /** On-chain name; defaults to `Ticket #<ticketId>`. At most 32 bytes of UTF-8. */
  // Bubblegum's limits are counted in UTF-8 bytes, which a JSON Schema cannot say: they are
  // checked after decoding (422 invalid_metadata, every violation listed) and described here.
  name: Schema.optionalKey(
    describedText("On-chain name, at most 32 bytes of UTF-8 (else 422); default `Ticket #<ticketId>`")
  ),
  symbol: Schema.optionalKey(describedText("At most 10 bytes of UTF-8 (else 422); default TCKT")),
  eventName: Schema.optionalKey(Text.check(Schema.isMaxLength(200))),
  description: Schema.optionalKey(Text.check(Schema.isMaxLength(2000))),
  image: Schema.optionalKey(Text.check(Schema.isMaxLength(500))),
  sellerFeeBasisPoints: Schema.optionalKey(
    Schema.Int.annotate({ description: "0 to 10000 (else 422); default 0" })
  ),
  creators: Schema.optionalKey(
    Schema.Array(Creator).annotate({
      description: "At most 5, each address once, shares summing to 100 (else 422)"
    })
  )
}) {}

export class MintRequest extends Schema.Class<MintRequest>("@tickettoken/minting-core/MintRequest")({
  ticketId: TicketId,
  orderId: Id,
  eventId: Id,
  owner: PublicKey,
  collectionId: Schema.optionalKey(Id),
  metadata: Schema.optionalKey(TicketMetadataInput)
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
