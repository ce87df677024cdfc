/**
 * Which chain the service talks to, decided once at start-up and announced loudly:
 * - SOLANA_RPC_URL set: that cluster (devnet, mainnet, a validator), with SOLANA_KEYPAIR;
 * - else, with the Bubblegum programs in the cache: the local devnet on LiteSVM, in-process,
 *   with a generated fee payer funded there;
 * - else: the simulated chain from core/testing. Nothing is minted anywhere; /health/chain
 *   says so.
 */
import type { ChainGateway } from "@tickettoken/minting-core"
import { SimulatedChain } from "@tickettoken/minting-core/testing"
import { BubblegumGateway, SolanaConfig } from "@tickettoken/minting-solana"
import { inspectProgramCache, type Localnet, startLocalnet } from "@tickettoken/solana-localnet"
import { Layer, Redacted } from "effect"
import * as EmbeddedFiles from "./EmbeddedFiles.ts"
import type { Environment } from "./Environment.ts"

export interface ChainChoice {
  readonly kind: "simulated" | "localnet" | "cluster"
  readonly layer: Layer.Layer<ChainGateway, unknown>
  readonly description: string
  readonly close: () => Promise<void>
}

export const choose = async (env: Environment): Promise<ChainChoice> => {
  if (env.solanaRpcUrl._tag === "Some") {
    return {
      kind: "cluster",
      layer: BubblegumGateway.layerConfig as Layer.Layer<ChainGateway, unknown>,
      description: `Solana cluster at ${new URL(env.solanaRpcUrl.value).host}`,
      close: async () => {}
    }
  }
  const cache = inspectProgramCache()
  if (cache.missing.length === 0) {
    let localnet: Localnet
    try {
      localnet = await startLocalnet({ port: env.localnetPort, ledgerDir: `${env.dataDir}/localnet` })
    } catch {
      // The usual port is taken (another localnet): run ours on a free one.
      localnet = await startLocalnet({ port: 0 })
    }
    const payer = EmbeddedFiles.feePayer(env.dataDir)
    localnet.fund(payer.address, 1_000_000_000_000n)
    const config = SolanaConfig.layer({ rpcUrl: localnet.rpcUrl, keypair: Redacted.make(payer.path) })
    return {
      kind: "localnet",
      layer: BubblegumGateway.layer.pipe(Layer.provide(config)) as Layer.Layer<ChainGateway, unknown>,
      description: `local devnet (LiteSVM) at ${localnet.rpcUrl} with the real Bubblegum programs; fee payer ${payer.address}`,
      close: () => localnet.close()
    }
  }
  return {
    kind: "simulated",
    layer: SimulatedChain.layer(),
    description: `SIMULATED chain: nothing is minted on any Solana cluster. Missing program binaries: ${cache.missing
      .map((p) => p.name)
      .join(", ")} (run: pnpm programs:fetch --rpc <url>)`,
    close: async () => {}
  }
}
