/**
 * A ticket's metadata, in the two forms it takes: the Metaplex JSON document served at the
 * metadata URI (as the seed built it), and the arguments Bubblegum stores on chain, which
 * must fit Bubblegum's limits. The limits are counted in UTF-8 bytes, as the program counts.
 */
import { DateTime, Schema } from "effect"
import { isPublicKey } from "./Base58.ts"
import type { MintRequest } from "./MintRequest.ts"

export const limits = {
  nameBytes: 32,
  symbolBytes: 10,
  uriBytes: 200,
  sellerFeeBasisPoints: 10_000,
  creators: 5
} as const

export const defaultSymbol = "TCKT"
const defaultImage = "https://placeholder.com/ticket.png"

export interface OnChainCreator {
  readonly address: string
  readonly share: number
  readonly verified: boolean
}

/** What goes into Bubblegum's `MetadataArgs`. */
export interface OnChainMetadata {
  readonly name: string
  readonly symbol: string
  readonly uri: string
  readonly sellerFeeBasisPoints: number
  readonly creators: ReadonlyArray<OnChainCreator>
  /** The collection's mint address, when the ticket belongs to one. */
  readonly collection: string | null
}

export class MetadataViolation extends Schema.Class<MetadataViolation>(
  "@tickettoken/minting-core/MetadataViolation"
)({
  field: Schema.String,
  message: Schema.String
}) {}

const utf8 = new TextEncoder()
export const byteLength = (text: string): number => utf8.encode(text).length

export const uriFor = (publicBaseUrl: string, ticketId: string): string =>
  `${publicBaseUrl.replace(/\/+$/, "")}/metadata/${encodeURIComponent(ticketId)}`

/**
 * `Ticket #<id>` unless the caller named it. Ticket ids are often UUIDs, which would not fit
 * in 32 bytes, so the default shortens a long id; a name the caller chose is never changed.
 */
export const defaultName = (ticketId: string): string => {
  let name = `Ticket #${ticketId}`
  // Shorten whole characters (code points) until the UTF-8 bytes fit.
  while (byteLength(name) > limits.nameBytes) name = [...name].slice(0, -1).join("")
  return name
}

export const onChainMetadata = (
  request: MintRequest,
  uri: string,
  collectionMint: string | null = null
): OnChainMetadata => ({
  name: request.metadata?.name ?? defaultName(request.ticketId),
  symbol: request.metadata?.symbol ?? defaultSymbol,
  uri,
  sellerFeeBasisPoints: request.metadata?.sellerFeeBasisPoints ?? 0,
  creators: (request.metadata?.creators ?? []).map((c) => ({
    address: c.address,
    share: c.share,
    verified: false
  })),
  collection: collectionMint
})

/** Every way the metadata breaks Bubblegum's rules, all at once, so a caller fixes them in one go. */
export const validate = (metadata: OnChainMetadata): ReadonlyArray<MetadataViolation> => {
  const violations: Array<MetadataViolation> = []
  const violation = (field: string, message: string) =>
    violations.push(new MetadataViolation({ field, message }))
  const bytes = (field: string, value: string, max: number) => {
    const n = byteLength(value)
    if (n > max) violation(field, `${field} is ${n} bytes of UTF-8; at most ${max}`)
  }
  bytes("name", metadata.name, limits.nameBytes)
  bytes("symbol", metadata.symbol, limits.symbolBytes)
  bytes("uri", metadata.uri, limits.uriBytes)
  if (metadata.name.length === 0) violation("name", "name is empty")
  const fee = metadata.sellerFeeBasisPoints
  if (!Number.isInteger(fee) || fee < 0 || fee > limits.sellerFeeBasisPoints) {
    violation("sellerFeeBasisPoints", `sellerFeeBasisPoints is ${fee}; must be an integer from 0 to 10000`)
  }
  const creators = metadata.creators
  if (creators.length > limits.creators) {
    violation("creators", `${creators.length} creators; at most ${limits.creators}`)
  }
  // Keys and shares are checked where a request is parsed, but a row read back from the database
  // is not parsed again: the reconciler and the worker check here what a hand edit may have
  // broken, which Bubblegum's serializer would otherwise throw on.
  for (const c of creators) {
    if (!isPublicKey(c.address)) violation("creators", `creator ${c.address} is not a Solana address`)
    if (!Number.isInteger(c.share) || c.share < 0 || c.share > 100) {
      violation("creators", `creator ${c.address}'s share is ${c.share}; must be an integer from 0 to 100`)
    }
  }
  if (metadata.collection !== null && !isPublicKey(metadata.collection)) {
    violation("collection", `collection ${metadata.collection} is not a Solana address`)
  }
  if (creators.length > 0) {
    const total = creators.reduce((sum, c) => sum + c.share, 0)
    if (total !== 100) violation("creators", `creator shares sum to ${total}; they must sum to 100`)
    const seen = new Set<string>()
    for (const c of creators) {
      if (seen.has(c.address)) violation("creators", `creator ${c.address} is listed twice`)
      seen.add(c.address)
    }
  }
  return violations
}

export interface MetadataAttribute {
  readonly trait_type: string
  readonly value: string
}

/** The Metaplex JSON document (the seed's shape), fixed at the moment the ticket was accepted. */
export interface MetadataDocument {
  readonly name: string
  readonly symbol: string
  readonly description: string
  readonly image: string
  readonly seller_fee_basis_points: number
  readonly attributes: ReadonlyArray<MetadataAttribute>
  readonly properties: {
    readonly files: ReadonlyArray<{ readonly uri: string; readonly type: string }>
    readonly category: "ticket"
    readonly creators: ReadonlyArray<{ readonly address: string; readonly share: number }>
  }
}

export const document = (request: MintRequest, issuedAt: DateTime.Utc): MetadataDocument => {
  const image = request.metadata?.image ?? defaultImage
  return {
    name: request.metadata?.name ?? `Ticket #${request.ticketId}`,
    symbol: request.metadata?.symbol ?? defaultSymbol,
    description:
      request.metadata?.description ?? `Event ticket for ${request.metadata?.eventName ?? "Event"}`,
    image,
    seller_fee_basis_points: request.metadata?.sellerFeeBasisPoints ?? 0,
    attributes: [
      { trait_type: "Event ID", value: request.eventId },
      { trait_type: "Order ID", value: request.orderId },
      { trait_type: "Ticket ID", value: request.ticketId },
      { trait_type: "Issue Date", value: DateTime.formatIso(issuedAt) }
    ],
    properties: {
      files: [{ uri: image, type: imageType(image) }],
      category: "ticket",
      creators: (request.metadata?.creators ?? []).map((c) => ({ address: c.address, share: c.share }))
    }
  }
}

const imageType = (uri: string): string => {
  const ext = /\.([a-z0-9]+)(?:[?#].*)?$/i.exec(uri)?.[1]?.toLowerCase()
  if (ext === "jpg" || ext === "jpeg") return "image/jpeg"
  if (ext === "svg") return "image/svg+xml"
  if (ext === "gif" || ext === "webp" || ext === "png") return `image/${ext}`
  return "image/png"
}
