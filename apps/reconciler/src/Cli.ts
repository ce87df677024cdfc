/**
 * The command line: the daemon by default, one pass with `--once`.
 *
 *   reconciler [--no-repair]                                    every RECONCILE_INTERVAL
 *   reconciler --once [--no-repair] [--strict] [--json] [--limit N]
 */
import { parseArgs } from "node:util"

export interface Command {
  readonly once: boolean
  readonly repair: boolean
  /** Exit non-zero when anything but success was found. */
  readonly strict: boolean
  readonly json: boolean
  /** Findings listed at most in the summary. */
  readonly limit: number
  readonly help: boolean
  /** Apply mark_missing repairs over RECONCILE_REPAIR_LIMIT (one pass, after an operator looked). */
  readonly acceptMassRepair: boolean
}

export const usage = `Usage:
  pnpm reconciler [--no-repair]          the daemon: a pass every RECONCILE_INTERVAL under the leader lock
  pnpm reconcile --once [options]        one pass, then a summary
  pnpm reconcile adopt <assetId> --order-id ID --event-id ID [--collection-id ID] [--metadata JSON]
                                         restore the row of a ticket that is on chain but not in the
                                         database (a chain_orphaned leaf whose URI names the ticket);
                                         refused unless the request's on-chain metadata hashes to
                                         the leaf's data hash (order and event ids are off chain)

Options:
  --once        run one pass and exit
  --no-repair   report only; change nothing in the database
  --strict      exit 1 when anything but success was found
  --json        print the report as JSON instead of the summary
  --limit N     findings listed in the summary (default 20)
  --accept-mass-repair
                apply the mark_missing repairs a pass withheld for exceeding
                RECONCILE_REPAIR_LIMIT (only after looking at why so many are missing)
  --help        this text

Exit codes (adopt): 0 adopted, 1 refused (the reason is printed), 2 bad usage.
Exit codes (--once): 0 done, 1 --strict and something other than success was found,
2 bad usage or configuration, 3 no pass ran (it failed, or another replica holds the lock).

Environment: DATABASE_URL or DB_HOST/DB_PORT/DB_NAME/DB_USER/DB_PASSWORD (else PGlite in
DATA_DIR/pglite, one process only), SOLANA_RPC_URL (else a local devnet on LOCALNET_PORT),
SOLANA_KEYPAIR (optional: the reconciler never signs), RECONCILE_INTERVAL (60s, 500ms, 2m or ms),
RECONCILE_BATCH_SIZE (1000), RECONCILE_REPAIR (true), RECONCILE_REPAIR_LIMIT (1% of the mints
examined, at least 10), RECONCILE_LOCK_NAME (reconciler),
SHUTDOWN_DEADLINE_MS (10000), LOG_LEVEL (info), DB_SCHEMA (minting), DB=embedded (required to
reconcile a cluster from the embedded PGlite), RECONCILER_PORT (9465; the daemon's /metrics and
/health, 0 for a free port) and RECONCILER_HOST (127.0.0.1).`

/** The command, or what is wrong with the arguments. */
export const parseCommand = (args: ReadonlyArray<string>): Command | string => {
  try {
    const { values } = parseArgs({
      args: [...args],
      allowNegative: true,
      options: {
        once: { type: "boolean", default: false },
        repair: { type: "boolean", default: true },
        strict: { type: "boolean", default: false },
        json: { type: "boolean", default: false },
        limit: { type: "string", default: "20" },
        help: { type: "boolean", default: false },
        "accept-mass-repair": { type: "boolean", default: false }
      }
    })
    const limit = Number(values.limit)
    if (!Number.isSafeInteger(limit) || limit < 0)
      return `--limit must be a whole number, not "${values.limit}"`
    if (!values.once && (values.strict || values.json)) return "--strict and --json apply to --once"
    if (!values.once && values["accept-mass-repair"]) return "--accept-mass-repair applies to --once"
    return {
      once: values.once,
      repair: values.repair,
      strict: values.strict,
      json: values.json,
      limit,
      help: values.help,
      acceptMassRepair: values["accept-mass-repair"]
    }
  } catch (error) {
    return error instanceof Error ? error.message : String(error)
  }
}

export interface AdoptCommand {
  readonly assetId: string
  readonly orderId: string
  readonly eventId: string
  readonly collectionId: string | undefined
  /** The request's `metadata` object, as JSON. */
  readonly metadata: unknown
}

/** `adopt <assetId> --order-id ID --event-id ID [--collection-id ID] [--metadata JSON]`, or what is wrong. */
export const parseAdopt = (args: ReadonlyArray<string>): AdoptCommand | string => {
  try {
    const { values, positionals } = parseArgs({
      args: [...args],
      allowPositionals: true,
      options: {
        "order-id": { type: "string" },
        "event-id": { type: "string" },
        "collection-id": { type: "string" },
        metadata: { type: "string" }
      }
    })
    const [assetId, ...rest] = positionals
    if (assetId === undefined || rest.length > 0) return "adopt takes one asset id"
    if (values["order-id"] === undefined || values["event-id"] === undefined) {
      return "adopt needs --order-id and --event-id: the chain does not hold them (take them from the platform's ticket)"
    }
    let metadata: unknown
    if (values.metadata !== undefined) {
      try {
        metadata = JSON.parse(values.metadata)
      } catch {
        return "--metadata must be JSON (the request's metadata object)"
      }
    }
    return {
      assetId,
      orderId: values["order-id"],
      eventId: values["event-id"],
      collectionId: values["collection-id"],
      metadata
    }
  } catch (error) {
    return error instanceof Error ? error.message : String(error)
  }
}
