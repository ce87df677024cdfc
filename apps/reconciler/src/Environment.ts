/**
 * The reconciler's own settings. The database and the chain (DATABASE_URL or the seed's
 * DB_HOST..., else PGlite under DATA_DIR; SOLANA_RPC_URL, SOLANA_KEYPAIR, LOCALNET_PORT; DB,
 * CHAIN) are the service kit's `Deployment` settings, checked whole at start as the HTTP app's
 * are. Secrets stay Redacted and are never logged.
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
  intervalMs: interval,
  batchSize: Config.Int("RECONCILE_BATCH_SIZE").pipe(Config.withDefault(1_000)),
  repair: Config.Boolean("RECONCILE_REPAIR").pipe(Config.withDefault(true)),
  repairLimit: Config.Int("RECONCILE_REPAIR_LIMIT").pipe(Config.option),
  lockName: Config.String("RECONCILE_LOCK_NAME").pipe(Config.withDefault("reconciler")),
  /** The daemon serves /metrics and /health here (0: a free port); --once serves nothing. */
  port: Config.Int("RECONCILER_PORT").pipe(Config.withDefault(9465)),
  host: Config.String("RECONCILER_HOST").pipe(Config.withDefault("127.0.0.1")),
  shutdownDeadlineMs: Config.Int("SHUTDOWN_DEADLINE_MS").pipe(Config.withDefault(10_000)),
  logLevel: Config.String("LOG_LEVEL").pipe(Config.withDefault("info"))
})

export type Environment = Config.Success<typeof environment>
