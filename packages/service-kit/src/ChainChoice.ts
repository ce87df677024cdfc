/**
 * The chain each app talks to, as `Deployment.decide` planned it:
 * - cluster: SOLANA_RPC_URL (devnet, mainnet, a `pnpm localnet`) with SOLANA_KEYPAIR;
 * - localnet: for the HTTP app, a local devnet on LiteSVM in-process with the real programs and a
 *   fee payer of its own under DATA_DIR; for the reconciler, the local devnet answering on
 *   LOCALNET_PORT (it never starts a chain: a fresh one holds none of the mints it checks);
 * - simulated (HTTP app only, never with PostgreSQL unless CHAIN=simulated): nothing is minted.
 */
import type { ChainGateway } from "@tickettoken/minting-core"
import { SimulatedChain } from "@tickettoken/minting-core/testing"
import {
  BubblegumGateway,
  type RpcCallCounter,
  SolanaConfig,
  settingsConfig
} from "@tickettoken/minting-solana"
import { inspectProgramCache, type Localnet, startLocalnet } from "@tickettoken/solana-localnet"
import { Effect, Layer, Option, Redacted } from "effect"
import type { ChainKind, Settings } from "./Deployment.ts"
import { keypairFile, throwawayKeypair } from "./Keypairs.ts"
import { redactUrl } from "./Redaction.ts"

export interface ChainChoice<Services = ChainGateway> {
  readonly kind: ChainKind
  readonly layer: Layer.Layer<Services, unknown>
  /** What it is, for the first log line: endpoints without their secrets. */
  readonly description: string
  readonly close: () => Promise<void>
}

/** True when the program binaries an in-process local devnet needs are cached. */
export const programsCached = (): boolean => inspectProgramCache().missing.length === 0

/** The gateway on the environment's Solana settings, with `rpcUrl` and the keypair decided here. */
export const gatewayOn = (rpcUrl: string, keypair: Redacted.Redacted<string>) =>
  BubblegumGateway.layer.pipe(
    Layer.provide(
      Layer.effect(
        SolanaConfig,
        Effect.map(settingsConfig, (settings) => ({ ...settings, rpcUrl, keypair }))
      )
    )
  ) as Layer.Layer<ChainGateway | RpcCallCounter, unknown>

const none = async () => {}

/** The HTTP app's chain: it signs, so a cluster's fee payer is SOLANA_KEYPAIR (checked before). */
export const forHttp = async (kind: ChainKind, settings: Settings): Promise<ChainChoice> => {
  if (kind === "cluster" && Option.isSome(settings.solanaRpcUrl) && Option.isSome(settings.solanaKeypair)) {
    const rpcUrl = Redacted.value(settings.solanaRpcUrl.value)
    return {
      kind,
      layer: gatewayOn(rpcUrl, settings.solanaKeypair.value),
      description: `Solana cluster at ${redactUrl(rpcUrl)}`,
      close: none
    }
  }
  if (kind === "localnet") {
    let localnet: Localnet
    try {
      localnet = await startLocalnet({
        port: settings.localnetPort,
        ledgerDir: `${settings.dataDir}/localnet`
      })
    } catch {
      // The usual port is taken (another localnet): run ours on a free one.
      localnet = await startLocalnet({ port: 0 })
    }
    const payer = keypairFile(`${settings.dataDir}/fee-payer.json`)
    localnet.fund(payer.address, 1_000_000_000_000n)
    return {
      kind,
      layer: gatewayOn(localnet.rpcUrl, Redacted.make(payer.path)),
      description: `local devnet (LiteSVM) at ${localnet.rpcUrl} with the real Bubblegum programs; fee payer ${payer.address}`,
      close: () => localnet.close()
    }
  }
  const missing = inspectProgramCache().missing.map((p) => p.name)
  return {
    kind: "simulated",
    layer: SimulatedChain.layer(),
    description:
      missing.length > 0
        ? `SIMULATED chain: nothing is minted on any Solana cluster. Missing program binaries: ${missing.join(", ")} (run: pnpm programs:fetch --rpc <url>)`
        : "SIMULATED chain (CHAIN=simulated): nothing is minted on any Solana cluster",
    close: none
  }
}

const answers = async (rpcUrl: string): Promise<boolean> => {
  try {
    const response = await fetch(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "getGenesisHash", params: [] }),
      signal: AbortSignal.timeout(1_000)
    })
    return response.ok
  } catch {
    return false
  }
}

/**
 * The reconciler's chain: it only reads, so without SOLANA_KEYPAIR the adapter gets a keypair
 * nobody holds. A string says why there is no chain to reconcile against.
 */
export const forReconciler = async (
  settings: Settings
): Promise<ChainChoice<ChainGateway | RpcCallCounter> | string> => {
  const keypair = Option.getOrElse(settings.solanaKeypair, throwawayKeypair)
  if (Option.isSome(settings.solanaRpcUrl)) {
    const rpcUrl = Redacted.value(settings.solanaRpcUrl.value)
    return {
      kind: "cluster",
      layer: gatewayOn(rpcUrl, keypair),
      description: `Solana RPC at ${redactUrl(rpcUrl)}`,
      close: none
    }
  }
  const local = `http://127.0.0.1:${settings.localnetPort}`
  if (await answers(local)) {
    return {
      kind: "localnet",
      layer: gatewayOn(local, keypair),
      description: `local devnet at ${local}`,
      close: none
    }
  }
  return `no chain to reconcile against: set SOLANA_RPC_URL, or run a local devnet (pnpm localnet) on port ${settings.localnetPort}`
}
