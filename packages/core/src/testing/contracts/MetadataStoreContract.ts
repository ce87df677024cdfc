/** What every MetadataStore must do; each case runs on a fresh build of the layer. */
import { assert, describe, it } from "@effect/vitest"
import { Effect, type Layer, Option } from "effect"
import { MetadataStore } from "../../ports/MetadataStore.ts"
import { MintRepository } from "../../ports/MintRepository.ts"
import type { RepositoryError } from "../../RepositoryError.ts"
import { document } from "../../TicketMetadata.ts"
import * as F from "./Fixtures.ts"

export const suite = <E>(name: string, layer: Layer.Layer<MetadataStore | MintRepository, E>) =>
  describe(`MetadataStore contract: ${name}`, () => {
    const test = (
      title: string,
      body: Effect.Effect<void, E | RepositoryError, MetadataStore | MintRepository>
    ) => it.live(title, () => Effect.provide(body, layer), 30_000)

    test(
      "put then get returns the same document; put again replaces it",
      Effect.gen(function* () {
        const store = yield* MetadataStore
        const ticketId = F.uniqueId("ticket")
        const doc = document(F.fullMint().request, F.at(0))
        yield* store.put(ticketId, doc)
        assert.deepStrictEqual(Option.getOrThrow(yield* store.get(ticketId)), doc)
        const renamed = { ...doc, name: "Renamed ✦" }
        yield* store.put(ticketId, renamed)
        assert.deepStrictEqual(Option.getOrThrow(yield* store.get(ticketId)), renamed)
        assert.isTrue(Option.isNone(yield* store.get("no-such-ticket")))
      })
    )

    test(
      "an accepted mint's document is derived from its request and acceptance time; a put replaces it",
      Effect.gen(function* () {
        const store = yield* MetadataStore
        const mints = yield* MintRepository
        const { mint } = yield* mints.create(F.mint())
        const derived = Option.getOrThrow(yield* store.get(mint.ticketId))
        assert.deepStrictEqual(derived, document(mint.request, mint.createdAt))
        const override = { ...derived, image: "https://img.test/reissued.png" }
        yield* store.put(mint.ticketId, override)
        assert.deepStrictEqual(Option.getOrThrow(yield* store.get(mint.ticketId)), override)
      })
    )
  })
