/**
 * Calls to the chain and their errors, by operation and by the error's reason, for /metrics:
 * a ChainGateway that wraps another and counts what passes through it, so every adapter (the
 * Bubblegum one, the simulated chain) is measured the same way.
 */
import { Effect, Layer, Metric } from "effect"
import type { ChainError } from "./ChainError.ts"
import { ChainGateway } from "./ports/ChainGateway.ts"

export const calls = Metric.counter("chain_calls_total", {
  description: "Calls to the chain, by operation (prepareMint, send, statuses, ...)",
  incremental: true
})

export const errors = Metric.counter("chain_errors_total", {
  description: "Failed calls to the chain, by operation and reason (RateLimited, Timeout, TreeFull, ...)",
  incremental: true
})

const metered = <A, R>(operation: string, self: Effect.Effect<A, ChainError, R>) =>
  self.pipe(
    Effect.tap(() => Metric.update(Metric.withAttributes(calls, { operation }), 1)),
    Effect.tapError((error) =>
      Effect.andThen(
        Metric.update(Metric.withAttributes(calls, { operation }), 1),
        Metric.update(Metric.withAttributes(errors, { operation, reason: error.reason._tag }), 1)
      )
    )
  )

export const meter = (gateway: ChainGateway["Service"]): ChainGateway["Service"] =>
  ChainGateway.of({
    prepareMint: (input) => metered("prepareMint", gateway.prepareMint(input)),
    prepareCollection: (input) => metered("prepareCollection", gateway.prepareCollection(input)),
    send: (wire) => metered("send", gateway.send(wire)),
    statuses: (signatures) => metered("statuses", gateway.statuses(signatures)),
    blockHeight: metered("blockHeight", gateway.blockHeight),
    mintedLeaf: (signature) => metered("mintedLeaf", gateway.mintedLeaf(signature)),
    scanTree: (tree, after, limit, known) => metered("scanTree", gateway.scanTree(tree, after, limit, known)),
    observeTrees: (addresses) => metered("observeTrees", gateway.observeTrees(addresses)),
    createTree: (input) => metered("createTree", gateway.createTree(input)),
    accountsExist: (addresses) => metered("accountsExist", gateway.accountsExist(addresses)),
    hashMetadata: gateway.hashMetadata,
    info: metered("info", gateway.info),
    rpcCalls: gateway.rpcCalls
  })

/** Wraps the ChainGateway its layer is given. */
export const layer: Layer.Layer<ChainGateway, never, ChainGateway> = Layer.effect(
  ChainGateway,
  Effect.gen(function* () {
    return meter(yield* ChainGateway)
  })
)
