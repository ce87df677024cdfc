/**
 * The ChainGateway contract against the localnet running the real Bubblegum, account compression,
 * noop and Token Metadata programs from the cache. Without them the cases are skipped, and the
 * suite says so in one line.
 */
import { ChainGatewayContract } from "@tickettoken/minting-core/testing/contracts"
import { Effect, Layer } from "effect"
import { createCollection } from "../src/CollectionNft.ts"
import { SolanaClient } from "../src/SolanaClient.ts"
import { gatewayLayer, localnetLayer, programsMissing, TestLocalnet } from "./TestLocalnet.ts"

const skip = programsMissing()

ChainGatewayContract.suite(
  "localnet with the Bubblegum programs",
  gatewayLayer().pipe(Layer.provideMerge(localnetLayer())),
  {
    advanceBlocks: (count) => Effect.map(TestLocalnet, (net) => net.advanceSlots(count)),
    drainFeePayer: () =>
      Effect.gen(function* () {
        const net = yield* TestLocalnet
        const client = yield* SolanaClient
        net.fund(client.feePayer, 0)
      }),
    collection: createCollection({
      name: "Event Tickets",
      uri: "https://tickets.example/collection.json"
    }).pipe(
      Effect.map((c) => c.mint),
      Effect.orDie
    ),
    pollInterval: "10 millis",
    skip
  }
)
