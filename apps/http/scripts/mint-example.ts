/**
 * Mints one example ticket through the running service with the typed, HMAC-signing client,
 * then waits for it to complete. Usage: pnpm mint:example [baseUrl] (secret from
 * INTERNAL_AUTH_SECRETS or .data/internal-secret).
 */
import { readFileSync } from "node:fs"
import { NodeCrypto } from "@effect/platform-node"
import { MintRequest, TicketMetadataInput } from "@tickettoken/minting-core"
import { MintingClient } from "@tickettoken/minting-core/client"
import { Duration, Effect, Layer, Redacted } from "effect"

const baseUrl = process.argv[2] ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`
const secret =
  process.env.INTERNAL_AUTH_SECRETS?.split(",")[0]?.trim() ??
  readFileSync(`${process.env.DATA_DIR ?? ".data"}/internal-secret`, "utf8").trim()

const client = MintingClient.make({ baseUrl, secret: Redacted.make(secret) })
const ticketId = `demo-${Date.now()}`

const program = Effect.gen(function* () {
  const accepted = yield* client.requestMint(
    new MintRequest({
      ticketId,
      orderId: "order-demo",
      eventId: "event-demo",
      // A well-known address as the owner, for the demo.
      owner: "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin",
      metadata: new TicketMetadataInput({ eventName: "Demo Night" })
    })
  )
  console.log(`accepted ${accepted.ticketId}: ${accepted.status}`)
  for (let i = 0; i < 120; i++) {
    const mint = yield* client.getMint(ticketId)
    if (mint.status === "completed" || mint.status === "failed") {
      console.log(JSON.stringify(mint, null, 2))
      return
    }
    yield* Effect.sleep(Duration.millis(500))
  }
  console.log("still not completed after 60 s")
})

Effect.runPromise(
  program.pipe(Effect.provide(Layer.mergeAll(NodeCrypto.layerDigest, NodeCrypto.layerMac)))
).catch((error) => {
  console.error(String(error))
  process.exit(1)
})
