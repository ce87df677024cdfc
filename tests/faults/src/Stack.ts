/**
 * The real local stack a fault run needs, all on 127.0.0.1: the localnet with the Bubblegum
 * programs (in this process, so its slots can be driven), the fault proxy in front of it (the
 * service only ever talks to the proxy), a PostgreSQL server of the run's own, a funded fee
 * payer, and the service processes on top.
 */

import { randomBytes } from "node:crypto"
import { mkdirSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DisposableServer } from "@tickettoken/minting-postgres/testing"
import { Keypairs, Net, Script } from "@tickettoken/minting-service-kit"
import {
  type FaultProxy,
  inspectProgramCache,
  type Localnet,
  type LocalnetOptions,
  startFaultProxy,
  startLocalnet
} from "@tickettoken/solana-localnet"
import { reconcilerDaemon, reconcilerMain, ServiceProcess } from "./ServiceProcess.ts"

/** Whether the program cache holds the Bubblegum programs the real stack needs. */
export const programsCached = (): boolean => inspectProgramCache().missing.length === 0

export const { freePort } = Net

/** A keypair file as solana-keygen writes it (64 bytes as JSON), and its address. */
export const writeKeypair = (path: string): string => Keypairs.keypairFile(path).address

export interface StackOptions {
  readonly localnet?: LocalnetOptions
  /** The fee payer's starting balance (1,000 SOL). */
  readonly payerLamports?: bigint
  /** An existing PostgreSQL database instead of a server of the stack's own. */
  readonly databaseUrl?: string
}

/** The report of `reconcile --once --json`, as much of it as the runs read. */
export interface ReconcileReport {
  readonly counts: { readonly byReason: Readonly<Record<string, number>> }
  readonly examined: number
  readonly findings: ReadonlyArray<{
    readonly reasonCode: string
    readonly ticketId: string | null
    readonly details: string
  }>
}

export interface Stack {
  readonly localnet: Localnet
  readonly proxy: FaultProxy
  /** The run's own PostgreSQL server; undefined when `databaseUrl` was given. */
  readonly pg: DisposableServer.DisposableServer | undefined
  readonly databaseUrl: string
  readonly dir: string
  readonly payer: { readonly path: string; readonly address: string }
  readonly secret: string
  /** A service process on a free port, not yet started; `env` on top of the stack's defaults. */
  service(name: string, env?: Record<string, string>): Promise<ServiceProcess>
  /** The reconciler daemon on the stack's database, reading the chain directly (not through the proxy). */
  reconciler(name: string, env?: Record<string, string>): ServiceProcess
  /** One reconciliation pass (`reconcile --once --json`): the report, or the failure's output. */
  reconcileOnce(): Promise<ReconcileReport>
  close(): Promise<void>
}

/** The environment a service inherits, without anything that would point it elsewhere. */
const inherited = (): Record<string, string> => {
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined) continue
    if (
      /^(TT_FAULT_|SOLANA_|DATABASE_URL$|DB_|PG|TREE_|WORKER_|LEASE_MS$|PORT$|INTERNAL_AUTH|JWT_|RECONCILE_|RABBITMQ_)/.test(
        key
      )
    )
      continue
    env[key] = value
  }
  return env
}

export const startStack = async (options: StackOptions = {}): Promise<Stack> => {
  const dir = mkdtempSync(join(tmpdir(), "tt-faults-"))
  const localnet = await startLocalnet({ slotIntervalMs: 100, ...options.localnet })
  const proxy = await startFaultProxy({ upstream: localnet.rpcUrl })
  const pg = options.databaseUrl === undefined ? await DisposableServer.make() : undefined
  const databaseUrl = options.databaseUrl ?? pg!.url
  const payerPath = join(dir, "fee-payer.json")
  const payer = { path: payerPath, address: writeKeypair(payerPath) }
  localnet.fund(payer.address, options.payerLamports ?? 1_000_000_000_000n)
  const secret = randomBytes(16).toString("hex")
  const services: Array<ServiceProcess> = []
  const reconcilerEnv = (): Record<string, string> => ({
    ...inherited(),
    DATABASE_URL: databaseUrl,
    SOLANA_RPC_URL: localnet.rpcUrl,
    RECONCILE_INTERVAL: "1s",
    RECONCILER_PORT: "0",
    SHUTDOWN_DEADLINE_MS: "3000",
    LOG_LEVEL: "info"
  })

  return {
    localnet,
    proxy,
    pg,
    databaseUrl,
    dir,
    payer,
    secret,
    service: async (name, env = {}) => {
      const dataDir = join(dir, name)
      mkdirSync(dataDir, { recursive: true })
      const service = new ServiceProcess(name, await freePort(), {
        ...inherited(),
        HOST: "127.0.0.1",
        DATABASE_URL: databaseUrl,
        SOLANA_RPC_URL: proxy.rpcUrl,
        SOLANA_KEYPAIR: payer.path,
        INTERNAL_AUTH_SECRETS: secret,
        DATA_DIR: dataDir,
        // One URI base for every replica: the metadata URI is part of what goes on chain.
        PUBLIC_BASE_URL: "https://tickets.example",
        WORKER_IDLE_MS: "50",
        LEASE_MS: "4000",
        RECOVERY_INTERVAL_MS: "1000",
        SOLANA_RPC_TIMEOUT_MS: "3000",
        SHUTDOWN_DEADLINE_MS: "3000",
        LOG_LEVEL: "info",
        ...env
      })
      services.push(service)
      return service
    },
    reconciler: (name, env = {}) => {
      const service = new ServiceProcess(
        name,
        0,
        {
          ...reconcilerEnv(),
          ...env
        },
        reconcilerDaemon
      )
      services.push(service)
      return service
    },
    reconcileOnce: async () => {
      const finished = await Script.run(reconcilerMain, ["--once", "--json"], { env: reconcilerEnv() })
      try {
        if (finished.code !== 0) throw new Error(`exit ${finished.code}`)
        return JSON.parse(finished.stdout) as ReconcileReport
      } catch (error) {
        throw new Error(`reconcile --once failed (${String(error)}):\n${finished.stderr.slice(-2000)}`)
      }
    },
    close: async () => {
      await Promise.all(services.map((s) => s.stop(5_000).catch(() => undefined)))
      await proxy.close()
      await localnet.close()
      pg?.dispose()
      rmSync(dir, { recursive: true, force: true })
    }
  }
}
