/**
 * The reconciler's settings, from the same environment as the HTTP app: DATABASE_URL (or the
 * seed's DB_HOST...) else PGlite under DATA_DIR; SOLANA_RPC_URL and SOLANA_KEYPAIR for the chain.
 * Secrets stay Redacted and are never logged.
 */
import { Config, ConfigProvider, Effect } from "effect"
import { parseInterval } from "./Interval.ts"

const interval = Config.String("RECONCILE_INTERVAL").pipe(
  Config.withDefault("60s"),
  Config.mapEffect((text) => {
    const ms = parseInterval(text)
    return ms === undefined
      ? Effect.fail(
          new Config.ConfigError(
            new ConfigProvider.SourceError({
              message: `RECONCILE_INTERVAL is "${text}": write it as 60s, 500ms, 2m or a number of milliseconds`
            })
          )
        )
      : Effect.succeed(ms)
  })
)

export const environment = Config.all({
  dataDir: Config.String("DATA_DIR").pipe(Config.withDefault(".data")),
  databaseUrl: Config.Redacted("DATABASE_URL").pipe(Config.option),
  dbHost: Config.String("DB_HOST").pipe(Config.option),
  solanaRpcUrl: Config.String("SOLANA_RPC_URL").pipe(Config.option),
  solanaKeypair: Config.Redacted("SOLANA_KEYPAIR").pipe(Config.option),
  localnetPort: Config.Port("LOCALNET_PORT").pipe(Config.withDefault(8899)),
  intervalMs: interval,
  batchSize: Config.Int("RECONCILE_BATCH_SIZE").pipe(Config.withDefault(1_000)),
  repair: Config.Boolean("RECONCILE_REPAIR").pipe(Config.withDefault(true)),
  repairLimit: Config.Int("RECONCILE_REPAIR_LIMIT").pipe(Config.option),
  lockName: Config.String("RECONCILE_LOCK_NAME").pipe(Config.withDefault("reconciler")),
  shutdownDeadlineMs: Config.Int("SHUTDOWN_DEADLINE_MS").pipe(Config.withDefault(10_000)),
  logLevel: Config.String("LOG_LEVEL").pipe(Config.withDefault("info"))
})

export type Environment = Config.Success<typeof environment>
