/**
 * What a start is about to run on, decided once from the environment and checked whole before
 * anything starts: a start that would pretend (mint nowhere while marking tickets minted, keep a
 * cluster's mints in a local folder, put a localhost URI on chain, run without a fee payer) is
 * refused with one message naming every problem. With no configuration at all the embedded
 * defaults run, as they always did: PGlite, and the local devnet or the simulated chain.
 *
 * The decision is a pure function of the settings and two facts read from the machine (are the
 * program binaries cached; does the fee payer load), so every refusal is tested without a process.
 */
import { Config, Option, Redacted } from "effect"

export type DatabaseKind = "postgresql" | "pglite"
export type ChainKind = "cluster" | "localnet" | "simulated"
/** The HTTP app mints; the reconciler only reads the chain and never falls back to a simulation. */
export type Role = "http" | "reconciler"

const text = (name: string) =>
  Config.String(name).pipe(Config.option, Config.map(Option.filter((value) => value.trim().length > 0)))
const secret = (name: string) =>
  Config.Redacted(name).pipe(
    Config.option,
    Config.map(Option.filter((value) => Redacted.value(value).trim().length > 0))
  )

/** The variables that choose the database and the chain, as given (empty counts as unset). */
export const settingsConfig = Config.all({
  db: text("DB"),
  chain: text("CHAIN"),
  databaseUrl: secret("DATABASE_URL"),
  dbHost: text("DB_HOST"),
  dbPoolMax: Config.Int("DB_POOL_MAX").pipe(Config.option),
  solanaRpcUrl: secret("SOLANA_RPC_URL"),
  solanaKeypair: secret("SOLANA_KEYPAIR"),
  publicBaseUrl: text("PUBLIC_BASE_URL"),
  dataDir: Config.String("DATA_DIR").pipe(Config.withDefault(".data")),
  localnetPort: Config.Port("LOCALNET_PORT").pipe(Config.withDefault(8899))
})

export type Settings = Config.Success<typeof settingsConfig>

export interface Facts {
  /** The Bubblegum programs are in the cache, so an in-process local devnet can run them. */
  readonly programsCached: boolean
  /** Why SOLANA_KEYPAIR does not load (read by the caller, who has the adapter), if it does not. */
  readonly feePayerProblem?: string | undefined
}

export interface Plan {
  readonly database: DatabaseKind
  readonly chain: ChainKind
  /** The RPC endpoint is this machine (a `pnpm localnet`), not a shared cluster. */
  readonly localRpc: boolean
  /** Empty when the start may go on. */
  readonly problems: ReadonlyArray<string>
}

const localHosts = new Set(["localhost", "127.0.0.1", "::1", "[::1]", "0.0.0.0"])

/** True for localhost, 127.0.0.0/8, ::1 and 0.0.0.0: what nobody else can reach. */
export const isLocalHost = (hostname: string): boolean =>
  localHosts.has(hostname.toLowerCase()) ||
  /^127\.\d+\.\d+\.\d+$/.test(hostname) ||
  hostname.endsWith(".localhost")

const parseUrl = (value: string): URL | undefined => {
  try {
    return new URL(value)
  } catch {
    return undefined
  }
}

export const decide = (settings: Settings, facts: Facts, role: Role): Plan => {
  const problems: Array<string> = []
  const dbConfigured = Option.isSome(settings.databaseUrl) || Option.isSome(settings.dbHost)
  const db = Option.getOrUndefined(settings.db)
  if (db !== undefined && db !== "embedded" && db !== "postgres") {
    problems.push(`DB is "${db}": write DB=postgres or DB=embedded`)
  }
  if (db === "embedded" && dbConfigured) {
    problems.push("DB=embedded but DATABASE_URL or DB_HOST is set: remove one of them")
  }
  if (db === "postgres" && !dbConfigured) {
    problems.push("DB=postgres but neither DATABASE_URL nor DB_HOST is set")
  }
  const database: DatabaseKind = dbConfigured ? "postgresql" : "pglite"
  // The leader lock holds a pooled connection while its work runs (a reconciliation pass, a tree
  // rotation, an outbox batch): with a pool of one that work would wait for a connection forever.
  const poolMax = Option.getOrUndefined(settings.dbPoolMax)
  if (database === "postgresql" && poolMax !== undefined && poolMax < 2) {
    problems.push(
      `DB_POOL_MAX is ${poolMax}: it must be at least 2, as the leader lock holds one connection while its work uses the others`
    )
  }

  const rpc = Option.map(settings.solanaRpcUrl, Redacted.value)
  const rpcUrl = Option.isSome(rpc) ? parseUrl(rpc.value) : undefined
  if (Option.isSome(rpc) && (rpcUrl === undefined || !/^https?:$/.test(rpcUrl.protocol))) {
    problems.push("SOLANA_RPC_URL is not an http(s) URL")
  }
  const localRpc = rpcUrl !== undefined && isLocalHost(rpcUrl.hostname)

  const said = Option.getOrUndefined(settings.chain)
  if (said !== undefined && said !== "cluster" && said !== "localnet" && said !== "simulated") {
    problems.push(`CHAIN is "${said}": write CHAIN=cluster, CHAIN=localnet or CHAIN=simulated`)
  }
  let chain: ChainKind
  if (Option.isSome(rpc)) {
    chain = "cluster"
    if (said === "simulated") problems.push("CHAIN=simulated but SOLANA_RPC_URL is set: remove one of them")
  } else if (role === "reconciler") {
    // The reconciler reads a local devnet on LOCALNET_PORT when no RPC is named; it has no
    // simulation to fall back to.
    chain = "localnet"
    if (said === "simulated") problems.push("CHAIN=simulated: the reconciler checks a real chain only")
    if (said === "cluster") problems.push("CHAIN=cluster but SOLANA_RPC_URL is not set")
  } else if (said === "simulated") {
    chain = "simulated"
  } else if (said === "cluster") {
    chain = "cluster"
    problems.push("CHAIN=cluster but SOLANA_RPC_URL is not set")
  } else if (facts.programsCached) {
    chain = "localnet"
  } else {
    chain = "simulated"
    if (said === "localnet") {
      problems.push(
        "CHAIN=localnet but the Bubblegum programs are not cached (pnpm programs:fetch --rpc <url>, or SOLANA_PROGRAMS_DIR)"
      )
    } else if (database === "postgresql") {
      problems.push(
        "a PostgreSQL database is configured but the chain would be SIMULATED (no SOLANA_RPC_URL, no cached programs): tickets would be marked minted with nothing on chain. Set SOLANA_RPC_URL, or CHAIN=simulated if a simulation is what you want"
      )
    }
  }

  if (Option.isSome(rpc) && database === "pglite" && db !== "embedded") {
    problems.push(
      "SOLANA_RPC_URL is set but the database would be the embedded PGlite folder under DATA_DIR: set DATABASE_URL (or DB_HOST...), or DB=embedded if a local folder is what you want"
    )
  }

  if (role === "http") {
    // Only a named RPC is checked further: CHAIN=cluster without one is refused above already.
    const signsOnCluster = chain === "cluster" && Option.isSome(rpc)
    const remote = signsOnCluster && !localRpc
    const base = Option.getOrUndefined(settings.publicBaseUrl)
    const baseUrl = base === undefined ? undefined : parseUrl(base)
    if (base !== undefined && (baseUrl === undefined || !/^https?:$/.test(baseUrl.protocol))) {
      problems.push(`PUBLIC_BASE_URL "${base}" is not an http(s) URL`)
    } else if (remote && baseUrl === undefined) {
      problems.push(
        "PUBLIC_BASE_URL is not set while the chain is a cluster: metadata URIs go on chain and must be reachable by wallets"
      )
    } else if (remote && baseUrl !== undefined && isLocalHost(baseUrl.hostname)) {
      problems.push(
        `PUBLIC_BASE_URL points at ${baseUrl.hostname} while the chain is a cluster: wallets could never fetch the metadata`
      )
    }
    if (signsOnCluster && Option.isNone(settings.solanaKeypair)) {
      problems.push("SOLANA_KEYPAIR (the fee payer: a keypair file path or its JSON) is not set")
    } else if (signsOnCluster && facts.feePayerProblem !== undefined) {
      problems.push(`the fee payer does not load: ${facts.feePayerProblem}`)
    }
  }
  return { database, chain, localRpc, problems }
}

/** The one message a refused start prints. */
export const refusal = (problems: ReadonlyArray<string>): string =>
  `configuration refused (${problems.length} problem${problems.length === 1 ? "" : "s"}): ${problems
    .map((problem, i) => `${i + 1}) ${problem}`)
    .join("; ")}`
