import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { PrometheusMetrics } from "effect/observability"
import { ChainGateway, ChainMetrics, RateLimited } from "../src/index.ts"
import * as SimulatedChain from "../src/testing/SimulatedChain.ts"

const layer = Layer.provideMerge(ChainMetrics.layer, SimulatedChain.layer())

describe("ChainMetrics", () => {
  it.effect("counts calls and errors by operation and reason", () =>
    Effect.gen(function* () {
      const chain = yield* ChainGateway
      const control = yield* SimulatedChain.SimulatedChainControl
      yield* control.failNextCalls("blockHeight", [
        new RateLimited({ method: "getBlockHeight", retryAfterMs: null })
      ])
      yield* Effect.ignore(chain.blockHeight)
      yield* chain.blockHeight
      yield* chain.statuses(["a", "b"])
      const text = yield* PrometheusMetrics.format()
      assert.match(text, /chain_calls_total\{operation="blockHeight"\} 2/)
      assert.match(text, /chain_calls_total\{operation="statuses"\} 1/)
      assert.match(text, /chain_errors_total\{operation="blockHeight",reason="RateLimited"\} 1/)
    }).pipe(Effect.provide(layer))
  )
})
