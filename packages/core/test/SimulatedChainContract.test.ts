/** The ChainGateway contract against the in-memory simulated chain. */
import { Effect } from "effect"
import * as ChainGatewayContract from "../src/testing/contracts/ChainGatewayContract.ts"
import * as SimulatedChain from "../src/testing/SimulatedChain.ts"

ChainGatewayContract.suite("simulated", SimulatedChain.layer({ slotMs: 50 }), {
  advanceBlocks: (count) =>
    Effect.flatMap(SimulatedChain.SimulatedChainControl, (control) => control.advance(count)),
  drainFeePayer: () =>
    Effect.flatMap(SimulatedChain.SimulatedChainControl, (control) => control.setFeePayerLamports(0)),
  pollInterval: "5 millis"
})
