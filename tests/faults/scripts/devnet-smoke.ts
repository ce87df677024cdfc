/**
 * `pnpm devnet:smoke [--tickets N]`: a handful of real mints end to end, then a reconciliation.
 *
 * - With SOLANA_RPC_URL (and SOLANA_KEYPAIR, else ~/.config/solana/id.json): that cluster, e.g.
 *   devnet. The fee payer gets an airdrop when its balance is below what a tree and the mints
 *   cost. The service's data folder is kept per public cluster (.data/devnet-smoke/<cluster>), so
 *   the tree created on the first run is reused by the next.
 * - Without: a local devnet (the localnet with the Bubblegum programs) on 127.0.0.1, started here
 *   and stopped at the end, with a fresh fee payer funded by its faucet; the same code path.
 *
 * Then: the service (apps/http) starts against it and creates a tree when it has none (TREE_MAX_DEPTH
 * 5 / TREE_MAX_BUFFER_SIZE 8 unless set: 32 leaves for a few cents of rent), the tickets go through
 * its HTTP API signed with the platform client, the script waits until each is completed, stops the
 * service, runs one reconciliation pass (the reconciler's `--once`) and prints explorer links.
 * DATABASE_URL is used when set; otherwise PGlite in the data folder.
 */

import { randomBytes } from "node:crypto"
import { mkdirSync, mkdtempSync, rmSync } from "node:fs"
import { homedir, tmpdir } from "node:os"
import { join } from "node:path"
import { parseArgs } from "node:util"
import { Connection, LAMPORTS_PER_SOL, PublicKey } from "@solana/web3.js"
import { Script } from "@tickettoken/minting-service-kit"
import { loadKeypair, treeCost } from "@tickettoken/minting-solana"
import { FETCH_PROGRAMS_COMMAND, type Localnet, startLocalnet } from "@tickettoken/solana-localnet"
import { Effect, Redacted } from "effect"
import { reconcilerMain, repoRoot, ServiceProcess, sleep } from "../src/ServiceProcess.ts"
import { airdropIfRequired, getExplorerLink } from "../src/SolanaHelpers.ts"
import { freePort, programsCached, writeKeypair } from "../src/Stack.ts"
import { call, client, submit, tickets } from "../src/Tickets.ts"

const { values } = parseArgs({
  options: { tickets: { type: "string", default: "3" }, help: { type: "boolean", default: false } }
})
if (values.help) {
  console.log(
    "pnpm devnet:smoke [--tickets N (3)]   (SOLANA_RPC_URL + SOLANA_KEYPAIR for a cluster; else a local devnet)"
  )
  process.exit(0)
}
const count = Number(values.tickets)
if (!Number.isSafeInteger(count) || count < 1 || count > 50) throw new Error("--tickets must be 1 to 50")

const say = (text: string) => console.log(`devnet:smoke: ${text}`)

/** The public clusters by genesis hash; anything else is a local or private one. */
const clusters: Record<string, "mainnet-beta" | "devnet" | "testnet"> = {
  "5eykt4UsFv8P8NJdTREpY1vzqKqZKvdpKuc147dw2N9d": "mainnet-beta",
  EtWTRABZaYq6iMfeYKouRu166VU2xqa1wcaWoxPkrZBG: "devnet",
  "4uhcVJyU9pJkvQyS88uRDiswHXSCkY3zQawwpjk2NsNY": "testnet"
}

const treeShape = {
  maxDepth: Number(process.env.TREE_MAX_DEPTH ?? 5),
  maxBufferSize: Number(process.env.TREE_MAX_BUFFER_SIZE ?? 8),
  canopyDepth: Number(process.env.TREE_CANOPY_DEPTH ?? 0)
}

let localnet: Localnet | undefined
let tempDir: string | undefined
let service: ServiceProcess | undefined
let exitCode = 0
try {
  let rpcUrl = process.env.SOLANA_RPC_URL ?? ""
  let keypair = process.env.SOLANA_KEYPAIR ?? join(homedir(), ".config", "solana", "id.json")
  if (rpcUrl === "") {
    if (!programsCached()) {
      say(`the Bubblegum programs are not cached; run ${FETCH_PROGRAMS_COMMAND}, or set SOLANA_RPC_URL`)
      process.exit(2)
    }
    localnet = await startLocalnet({ port: 0, slotIntervalMs: 100 })
    rpcUrl = localnet.rpcUrl
    tempDir = mkdtempSync(join(tmpdir(), "tt-smoke-"))
    keypair = join(tempDir, "fee-payer.json")
    writeKeypair(keypair)
    say(`SOLANA_RPC_URL is not set: started a local devnet at ${rpcUrl} (stopped at the end)`)
  }

  const connection = new Connection(rpcUrl, "confirmed")
  const genesis = await connection.getGenesisHash()
  const cluster = clusters[genesis]
  const payer = new PublicKey(
    (await Effect.runPromise(loadKeypair(Redacted.make(keypair)))).publicKey.toString()
  )
  say(`chain ${cluster ?? "local devnet"} (genesis ${genesis.slice(0, 8)}…), fee payer ${payer.toBase58()}`)

  // Enough for a tree of the configured shape and the mints' fees; airdrop below that.
  const rent = await connection.getMinimumBalanceForRentExemption(treeCost(treeShape).bytes)
  const needed = rent + 0.05 * LAMPORTS_PER_SOL
  const before = await connection.getBalance(payer)
  try {
    const after = await airdropIfRequired(connection, payer, Math.max(LAMPORTS_PER_SOL, needed), needed)
    say(
      after === before
        ? `balance ${before / LAMPORTS_PER_SOL} SOL (enough: a tree costs ${rent / LAMPORTS_PER_SOL} SOL)`
        : `balance was ${before / LAMPORTS_PER_SOL} SOL: airdropped, now ${after / LAMPORTS_PER_SOL} SOL`
    )
  } catch (error) {
    say(
      `the balance is ${before / LAMPORTS_PER_SOL} SOL, ${needed / LAMPORTS_PER_SOL} SOL needed, and the airdrop failed (${String(error).slice(0, 200)}); fund ${payer.toBase58()} (e.g. https://faucet.solana.com) and run again`
    )
    process.exit(2)
  }

  // Kept per public cluster, so a tree created on one run is used by the next. A local devnet
  // (ours or one on SOLANA_RPC_URL) may have been restarted empty since: a fresh folder each run.
  tempDir ??= mkdtempSync(join(tmpdir(), "tt-smoke-"))
  const dataDir =
    cluster === undefined ? join(tempDir, "data") : join(repoRoot, ".data", "devnet-smoke", cluster)
  mkdirSync(dataDir, { recursive: true })
  const secret = randomBytes(16).toString("hex")
  const env: Record<string, string> = {
    ...Object.fromEntries(
      Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined)
    ),
    HOST: "127.0.0.1",
    // A smoke run keeps its mints in PGlite unless DATABASE_URL is set, and says so: the start
    // refuses a cluster on the embedded database otherwise.
    ...(process.env.DATABASE_URL === undefined && process.env.DB_HOST === undefined
      ? { DB: "embedded" }
      : {}),
    // Its metadata is served on 127.0.0.1 only; a cluster needs a public URI, and `.invalid` is
    // one no wallet resolves (unless PUBLIC_BASE_URL names a real one).
    ...(cluster === undefined
      ? {}
      : { PUBLIC_BASE_URL: process.env.PUBLIC_BASE_URL ?? "https://devnet-smoke.invalid" }),
    SOLANA_RPC_URL: rpcUrl,
    SOLANA_KEYPAIR: keypair,
    DATA_DIR: dataDir,
    INTERNAL_AUTH_SECRETS: secret,
    TREE_MAX_DEPTH: String(treeShape.maxDepth),
    TREE_MAX_BUFFER_SIZE: String(treeShape.maxBufferSize),
    TREE_CANOPY_DEPTH: String(treeShape.canopyDepth),
    WORKER_IDLE_MS: "100",
    LOG_LEVEL: process.env.LOG_LEVEL ?? "info"
  }
  service = new ServiceProcess("minting-service", await freePort(), env)
  await service.start({}, 180_000)
  const tree = service.logs().find((l) => l.text === "active tree")
  say(
    `service up at ${service.url}; tree ${String(tree?.raw.tree)} (${service.logs().some((l) => l.text === "tree created and active") ? "created now" : "from an earlier run"}, ${String(tree?.raw.minted)}/${String(tree?.raw.capacity)} minted)`
  )

  const run = Date.now().toString(36)
  const batch = await submit([service.url], secret, tickets(`smoke-${run}`, count), { deadlineMs: 60_000 })
  say(`${batch.accepted.length} of ${count} tickets accepted; waiting for the mints`)
  const api = client(service.url, secret)
  const deadline = Date.now() + (cluster === undefined ? 120_000 : 300_000)
  let views = await Promise.all(batch.accepted.map((t) => call(api.getMint(t))))
  while (views.some((v) => v.status !== "completed" && v.status !== "failed") && Date.now() < deadline) {
    await sleep(1_000)
    views = await Promise.all(batch.accepted.map((t) => call(api.getMint(t))))
  }
  await service.stop()

  // One pass of the reconciler over the same database and chain.
  // Not spawnSync: the local devnet answers from this very process, whose loop must keep running.
  const reconciliation = await Script.run(reconcilerMain, ["--once"], {
    env: { ...env, RECONCILE_INTERVAL: "60s", LOG_LEVEL: "warn" },
    timeoutMs: 300_000
  })
  console.log("")
  console.log(reconciliation.stdout.trim())
  if (reconciliation.code !== 0) {
    say(`the reconciliation pass failed (exit ${reconciliation.code}): ${reconciliation.stderr.slice(-1000)}`)
    exitCode = 1
  }

  console.log("")
  for (const view of views) {
    console.log(
      `${view.ticketId}: ${view.status}${view.error === null ? "" : ` (${view.error.code}: ${view.error.message})`}`
    )
    if (view.signature === null) continue
    if (cluster !== undefined) {
      console.log(`  transaction ${getExplorerLink("transaction", view.signature, cluster)}`)
      if (view.assetId !== null)
        console.log(`  asset       ${getExplorerLink("address", view.assetId, cluster)}`)
      if (view.tree !== null) console.log(`  tree        ${getExplorerLink("address", view.tree, cluster)}`)
    } else {
      console.log(
        `  signature ${view.signature}, asset ${view.assetId}, tree ${view.tree}, leaf ${view.leafIndex}`
      )
    }
  }
  if (cluster === undefined)
    say(
      "a local devnet has no public explorer; against devnet (SOLANA_RPC_URL) the lines above are explorer links"
    )
  const done = views.filter((v) => v.status === "completed").length
  if (done !== count) exitCode = 1
  console.log(
    JSON.stringify({
      cluster: cluster ?? "localnet",
      tickets: count,
      completed: done,
      failed: views.filter((v) => v.status === "failed").length,
      reconciled: reconciliation.code === 0
    })
  )
} finally {
  await service?.stop().catch(() => undefined)
  await localnet?.close()
  if (tempDir !== undefined) rmSync(tempDir, { recursive: true, force: true })
}
process.exit(exitCode)
