/** What every TicketLedger must do; each case runs on a fresh build of the layer. */
import { assert, describe, it } from "@effect/vitest"
import { Effect, type Layer } from "effect"
import { TicketLedger } from "../../ports/TicketLedger.ts"
import type { RepositoryError } from "../../RepositoryError.ts"
import * as F from "./Fixtures.ts"

export interface Options {
  /** A ticket the layer's platform table holds, if it has one: marking it must report true. */
  readonly knownTicketId?: string | undefined
}

export const suite = <E>(name: string, layer: Layer.Layer<TicketLedger, E>, options: Options = {}) =>
  describe(`TicketLedger contract: ${name}`, () => {
    const test = (title: string, body: Effect.Effect<void, E | RepositoryError, TicketLedger>) =>
      it.live(title, () => Effect.provide(body, layer), 30_000)

    test(
      "marking a ticket the platform does not know updates nothing and does not fail",
      Effect.gen(function* () {
        const ledger = yield* TicketLedger
        assert.isFalse(yield* ledger.markMinted(F.uniqueId("unknown-ticket"), "asset-1", F.at(0)))
      })
    )

    const known = options.knownTicketId
    if (known !== undefined) {
      test(
        "marking a known ticket updates it, and marking it again is harmless",
        Effect.gen(function* () {
          const ledger = yield* TicketLedger
          assert.isTrue(yield* ledger.markMinted(known, "asset-1", F.at(0)))
          assert.isTrue(yield* ledger.markMinted(known, "asset-1", F.at(1)))
        })
      )
    }
  })
