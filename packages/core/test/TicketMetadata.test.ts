import { assert, describe, it } from "@effect/vitest"
import { Schema } from "effect"
import { Creator, MintRequest, TicketMetadata, TicketMetadataInput } from "../src/index.ts"
import { owner, t0 } from "./fixtures.ts"

const other = "So11111111111111111111111111111111111111112"

const onChain = (
  metadata: ConstructorParameters<typeof TicketMetadataInput>[0],
  uri = "https://x.test/m/1"
) =>
  TicketMetadata.onChainMetadata(
    new MintRequest({
      ticketId: "t-1",
      orderId: "o",
      eventId: "e",
      owner,
      metadata: new TicketMetadataInput(metadata)
    }),
    uri
  )

const fields = (metadata: TicketMetadata.OnChainMetadata) =>
  TicketMetadata.validate(metadata).map((v) => v.field)

describe("TicketMetadata", () => {
  it("accepts a name of exactly 32 bytes and refuses 33, counting UTF-8 bytes", () => {
    assert.deepStrictEqual(fields(onChain({ name: "x".repeat(32) })), [])
    assert.deepStrictEqual(fields(onChain({ name: "x".repeat(33) })), ["name"])
    // 11 three-byte characters: 11 characters, 33 bytes.
    assert.deepStrictEqual(fields(onChain({ name: "€".repeat(11) })), ["name"])
  })

  it("refuses a symbol over 10 bytes and a uri over 200", () => {
    assert.deepStrictEqual(fields(onChain({ symbol: "ABCDEFGHIJK" })), ["symbol"])
    assert.deepStrictEqual(fields(onChain({}, `https://x.test/${"a".repeat(186)}`)), ["uri"])
    assert.deepStrictEqual(fields(onChain({}, `https://x.test/${"a".repeat(185)}`)), [])
  })

  it("checks seller fee and creators, and reports every violation at once", () => {
    const creators = [new Creator({ address: owner, share: 50 }), new Creator({ address: owner, share: 49 })]
    const violations = TicketMetadata.validate(
      onChain({ name: "y".repeat(40), sellerFeeBasisPoints: 10_001, creators })
    )
    const messages = violations.map((v) => v.message).join(" | ")
    assert.strictEqual(violations.length, 4, messages)
    assert.include(messages, "sum to 99")
    assert.include(messages, "listed twice")
    assert.include(messages, "10001")
  })

  it("refuses more than 5 creators", () => {
    const creators = Array.from({ length: 6 }, (_, i) => ({
      address: `${i}`,
      share: i === 0 ? 95 : 1,
      verified: false
    }))
    assert.include(fields({ ...onChain({}), creators }), "creators")
  })

  it("refuses what only a hand-edited row holds: a creator or collection that is no address, a share out of range", () => {
    // Rows read back from the database are not parsed again, so validate is the check that
    // keeps such metadata from Bubblegum's serializer (which throws on each of these).
    const base = onChain({})
    const messages = (metadata: TicketMetadata.OnChainMetadata) =>
      TicketMetadata.validate(metadata)
        .map((v) => `${v.field}: ${v.message}`)
        .join(" | ")
    assert.include(
      messages({ ...base, creators: [{ address: "not-an-address", share: 100, verified: false }] }),
      "creators: creator not-an-address is not a Solana address"
    )
    const shares = messages({
      ...base,
      creators: [
        { address: owner, share: 300, verified: false },
        { address: other, share: -200, verified: false }
      ]
    })
    assert.include(shares, "share is 300")
    assert.include(shares, "share is -200")
    assert.notInclude(shares, "sum to", "300 and -200 sum to 100: only the range refuses them")
    assert.strictEqual(
      messages({ ...base, collection: "0OIl" }),
      "collection: collection 0OIl is not a Solana address"
    )
    assert.deepStrictEqual(fields({ ...base, collection: other }), [])
  })

  it("accepts shares summing to 100 from distinct creators", () => {
    const creators = [new Creator({ address: owner, share: 60 }), new Creator({ address: other, share: 40 })]
    assert.deepStrictEqual(fields(onChain({ creators, sellerFeeBasisPoints: 500 })), [])
  })

  it("names a ticket `Ticket #<id>` and shortens a long id to fit 32 bytes", () => {
    assert.strictEqual(TicketMetadata.defaultName("42"), "Ticket #42")
    const uuid = "1b4e28ba-2fa1-11d2-883f-0016d3cca427"
    const name = TicketMetadata.defaultName(uuid)
    assert.isTrue(TicketMetadata.byteLength(name) <= 32)
    assert.isTrue(name.startsWith("Ticket #1b4e28ba"))
    const wide = TicketMetadata.defaultName("é".repeat(30))
    assert.strictEqual(TicketMetadata.byteLength(wide), 32)
  })

  it("builds the seed's Metaplex document, fixed at the moment of issue", () => {
    const request = new MintRequest({
      ticketId: "t-1",
      orderId: "o-1",
      eventId: "e-1",
      owner,
      metadata: new TicketMetadataInput({ eventName: "Jazz Night", image: "https://img.test/a.jpg" })
    })
    const doc = TicketMetadata.document(request, t0)
    assert.strictEqual(doc.name, "Ticket #t-1")
    assert.strictEqual(doc.symbol, "TCKT")
    assert.strictEqual(doc.description, "Event ticket for Jazz Night")
    assert.strictEqual(doc.properties.category, "ticket")
    assert.deepStrictEqual(doc.properties.files, [{ uri: "https://img.test/a.jpg", type: "image/jpeg" }])
    assert.deepStrictEqual(
      doc.attributes.map((a) => [a.trait_type, a.value]),
      [
        ["Event ID", "e-1"],
        ["Order ID", "o-1"],
        ["Ticket ID", "t-1"],
        ["Issue Date", "2026-01-01T00:00:00.000Z"]
      ]
    )
  })

  it("puts the URI under the public base URL", () => {
    assert.strictEqual(TicketMetadata.uriFor("https://mint.test/", "a b"), "https://mint.test/metadata/a%20b")
  })

  it("the request schema refuses an owner that is not a 32-byte base58 key", () => {
    const decode = Schema.decodeUnknownExit(MintRequest)
    const base = { ticketId: "t", orderId: "o", eventId: "e" }
    assert.strictEqual(decode({ ...base, owner })._tag, "Success")
    assert.strictEqual(decode({ ...base, owner: "not-base58-0OIl" })._tag, "Failure")
    assert.strictEqual(decode({ ...base, owner: "1111" })._tag, "Failure")
  })
})
