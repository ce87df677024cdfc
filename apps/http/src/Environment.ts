/**
 * The HTTP app's own settings, from the environment (every variable is listed with its default in
 * .env.example). The database and the chain (DATABASE_URL, SOLANA_RPC_URL, DB, CHAIN, DATA_DIR...)
 * are the service kit's `Deployment` settings, checked whole at start. Secrets are Redacted: they
 * print as <redacted>.
 */
import { Config, Option, Redacted } from "effect"

const list = (name: string) =>
  Config.String(name).pipe(
    Config.option,
    Config.map(
      Option.match({
        onNone: () => [] as Array<Redacted.Redacted<string>>,
        onSome: (text) =>
          text
            .split(",")
            .map((s) => s.trim())
            .filter((s) => s.length > 0)
            .map((s) => Redacted.make(s))
      })
    )
  )

export const environment = Config.all({
  port: Config.Port("PORT").pipe(Config.withDefault(3000)),
  host: Config.String("HOST").pipe(Config.withDefault("127.0.0.1")),
  publicBaseUrl: Config.String("PUBLIC_BASE_URL").pipe(Config.option),
  internalSecrets: list("INTERNAL_AUTH_SECRETS"),
  jwtSecret: Config.Redacted("JWT_SECRET").pipe(Config.option),
  jwtAudience: Config.String("JWT_AUDIENCE").pipe(Config.option),
  jwtIssuer: Config.String("JWT_ISSUER").pipe(Config.option),
  workerEnabled: Config.Boolean("WORKER_ENABLED").pipe(Config.withDefault(true)),
  workerConcurrency: Config.Int("WORKER_CONCURRENCY").pipe(Config.withDefault(32)),
  workerBatch: Config.Int("WORKER_BATCH").pipe(Config.withDefault(32)),
  workerIdleMs: Config.Int("WORKER_IDLE_MS").pipe(Config.withDefault(250)),
  workerMaxInFlight: Config.Int("WORKER_MAX_IN_FLIGHT").pipe(Config.withDefault(512)),
  stallWarnAfterMs: Config.Int("STALL_WARN_AFTER_MS").pipe(Config.withDefault(30_000)),
  feePayerMinMints: Config.Int("FEE_PAYER_MIN_MINTS").pipe(Config.withDefault(1_000)),
  mintCostLamports: Config.Int("MINT_COST_LAMPORTS").pipe(Config.withDefault(5_000)),
  recoveryIntervalMs: Config.Int("RECOVERY_INTERVAL_MS").pipe(Config.withDefault(30_000)),
  shutdownDeadlineMs: Config.Int("SHUTDOWN_DEADLINE_MS").pipe(Config.withDefault(10_000)),
  leaseMs: Config.Int("LEASE_MS").pipe(Config.withDefault(30_000)),
  bodyLimit: Config.Int("BODY_LIMIT_BYTES").pipe(Config.withDefault(64 * 1024)),
  treeDepth: Config.Int("TREE_MAX_DEPTH").pipe(Config.withDefault(14)),
  treeBuffer: Config.Int("TREE_MAX_BUFFER_SIZE").pipe(Config.withDefault(64)),
  treeCanopy: Config.Int("TREE_CANOPY_DEPTH").pipe(Config.withDefault(0)),
  logLevel: Config.String("LOG_LEVEL").pipe(Config.withDefault("info"))
})

export type Environment = Config.Success<typeof environment>
