/**
 * How the adapter reaches the chain and what it pays. Read from the environment by
 * `SolanaConfig.layerConfig`; tests and scripts build it directly with `SolanaConfig.layer`.
 */
import { Config, ConfigProvider, Context, Effect, Layer, Option, Redacted } from "effect"

export type Commitment = "processed" | "confirmed" | "finalized"

/** A fixed compute-unit price, or one read from getRecentPrioritizationFees for the tree. */
export type PriorityFee =
  | { readonly _tag: "Fixed"; readonly microLamports: number }
  | { readonly _tag: "Auto"; readonly maxMicroLamports: number }

export interface SolanaSettings {
  readonly rpcUrl: string
  /** A keypair file path, a JSON byte array or a base58 secret key. */
  readonly keypair: Redacted.Redacted<string>
  readonly commitment: Commitment
  readonly priorityFee: PriorityFee
  /** Compute units added on top of a simulation's figure, as a fraction (0.1 = +10%). */
  readonly computeUnitMargin: number
  /** The least compute-unit limit a transaction gets, whatever the simulation said. */
  readonly minComputeUnits: number
  /** How long one HTTP request to the RPC may take. */
  readonly rpcTimeoutMs: number
  /** JSON-RPC calls per HTTP request when many of one kind are needed (1: no batching). */
  readonly rpcBatchSize: number
  /** HTTP requests in flight at once for one batched read. */
  readonly rpcConcurrency: number
  /** How long one blockhash is reused by consecutive prepares (0: fetch one for each). */
  readonly blockhashReuseMs: number
}

export const defaults = {
  commitment: "confirmed",
  priorityFee: { _tag: "Fixed", microLamports: 0 },
  computeUnitMargin: 0.1,
  minComputeUnits: 50_000,
  rpcTimeoutMs: 30_000,
  rpcBatchSize: 200,
  rpcConcurrency: 4,
  blockhashReuseMs: 1_000
} as const satisfies Partial<SolanaSettings>

const priorityFee = Config.String("SOLANA_PRIORITY_FEE_MICROLAMPORTS").pipe(
  Config.withDefault("0"),
  Config.mapEffect((text) => {
    if (text.trim().toLowerCase() === "auto") return Effect.succeed<number | "auto">("auto")
    const n = Number(text)
    return Number.isInteger(n) && n >= 0
      ? Effect.succeed<number | "auto">(n)
      : Effect.fail(
          new Config.ConfigError(
            new ConfigProvider.SourceError({
              message: `SOLANA_PRIORITY_FEE_MICROLAMPORTS is "${text}": a whole number of micro-lamports or "auto"`
            })
          )
        )
  })
)

export const settingsConfig: Config.Config<SolanaSettings> = Config.all({
  rpcUrl: Config.String("SOLANA_RPC_URL").pipe(Config.withDefault("http://127.0.0.1:8899")),
  keypair: Config.Redacted("SOLANA_KEYPAIR").pipe(
    Config.option,
    Config.map(Option.getOrElse(() => Redacted.make("~/.config/solana/id.json")))
  ),
  commitment: Config.Literals(["processed", "confirmed", "finalized"], "SOLANA_COMMITMENT").pipe(
    Config.withDefault(defaults.commitment)
  ),
  fee: priorityFee,
  maxFee: Config.Int("SOLANA_PRIORITY_FEE_MAX_MICROLAMPORTS").pipe(Config.withDefault(1_000_000)),
  computeUnitMargin: Config.Number("SOLANA_COMPUTE_UNIT_MARGIN").pipe(
    Config.withDefault(defaults.computeUnitMargin)
  ),
  minComputeUnits: Config.Int("SOLANA_MIN_COMPUTE_UNITS").pipe(Config.withDefault(defaults.minComputeUnits)),
  rpcTimeoutMs: Config.Int("SOLANA_RPC_TIMEOUT_MS").pipe(Config.withDefault(defaults.rpcTimeoutMs)),
  rpcBatchSize: Config.Int("SOLANA_RPC_BATCH_SIZE").pipe(Config.withDefault(defaults.rpcBatchSize)),
  rpcConcurrency: Config.Int("SOLANA_RPC_CONCURRENCY").pipe(Config.withDefault(defaults.rpcConcurrency)),
  blockhashReuseMs: Config.Int("SOLANA_BLOCKHASH_REUSE_MS").pipe(
    Config.withDefault(defaults.blockhashReuseMs)
  )
}).pipe(
  Config.map(
    ({ fee, maxFee, ...rest }): SolanaSettings => ({
      ...rest,
      priorityFee:
        fee === "auto" ? { _tag: "Auto", maxMicroLamports: maxFee } : { _tag: "Fixed", microLamports: fee }
    })
  )
)

export class SolanaConfig extends Context.Service<SolanaConfig, SolanaSettings>()(
  "@tickettoken/minting-solana/SolanaConfig"
) {
  /** From explicit values; everything but the URL and the keypair has a default. */
  static readonly layer = (
    settings: Pick<SolanaSettings, "rpcUrl" | "keypair"> & Partial<SolanaSettings>
  ): Layer.Layer<SolanaConfig> => Layer.succeed(SolanaConfig, { ...defaults, ...settings })

  /**
   * From the environment: SOLANA_RPC_URL, SOLANA_KEYPAIR, SOLANA_COMMITMENT,
   * SOLANA_PRIORITY_FEE_MICROLAMPORTS (a number or "auto"), SOLANA_PRIORITY_FEE_MAX_MICROLAMPORTS,
   * SOLANA_COMPUTE_UNIT_MARGIN, SOLANA_MIN_COMPUTE_UNITS, SOLANA_RPC_TIMEOUT_MS,
   * SOLANA_RPC_BATCH_SIZE, SOLANA_RPC_CONCURRENCY, SOLANA_BLOCKHASH_REUSE_MS.
   */
  static readonly layerConfig: Layer.Layer<SolanaConfig, Config.ConfigError> = Layer.effect(
    SolanaConfig,
    settingsConfig
  )
}
