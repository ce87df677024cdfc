/**
 * `pnpm bench:reconcile [--mints 10000] [--latency-ms 5] [--batch-size 1000] [--sizes 1000,10000,100000] [--skip-baseline]`
 *
 * One reconciliation pass over N completed mints against the seed's method on the same data, in
 * the same run. The mints are real: N mintV1 transactions built with the adapter's instruction,
 * signed and sent in JSON-RPC batches to the localnet (with the real Bubblegum programs, in a
 * process of its own), their leaves read back from the chain, and the completed rows inserted in
 * a fresh PostgreSQL database. Both methods then reach the chain through a loopback proxy that
 * adds a fixed latency to every HTTP request, as a remote RPC would:
 *
 * - ours: `reconcilePass` as the reconciler runs it (under the leader lock), cold: the replica
 *   forgotten, so the pass reads every transaction of the tree, applies every change log,
 *   proves the root against the tree account and judges every mint and leaf; the median of
 *   three such passes. Then three times 100 more mints land and an incremental pass runs; the
 *   median of the three (goal: at most 5 RPC requests, under 0.5 s);
 * - baseline: the seed's ReconciliationService (one getTransaction per completed mint, one after
 *   another; no chain-to-database direction at all).
 *
 * With --sizes, a table of a first (cold) pass and an incremental pass (100 new mints) at each
 * size follows, each size on a database and tree of its own (no baseline there: the seed's
 * method at 100,000 mints would take minutes of one request after another).
 *
 * The last line is the figure:
 * {"bench":"reconcile","unit":"s","ours":N,"baseline":N,"ratio":N,"rpc_calls_ours":N,
 *  "rpc_calls_baseline":N,"incremental_rpc_calls":N,"incremental_s":N}
 * with ratio = baseline / ours. RPC calls count HTTP requests (a JSON-RPC batch is one).
 */
import { type ChildProcess, spawn } from "node:child_process"
import { once } from "node:events"
import { mkdirSync, writeFileSync } from "node:fs"
import { Session } from "node:inspector/promises"
import { PerformanceObserver } from "node:perf_hooks"
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"
import { PgClient } from "@effect/sql-pg"
import {
  Base58,
  ChainGateway,
  Ids,
  Mint,
  type MintedAsset,
  MintRepository,
  MintRequest,
  type ReconciliationReport,
  SignedTransaction,
  TicketMetadata,
  Tree,
  TreeRegistry,
  type TreeScanPage
} from "@tickettoken/minting-core"
import { ProcessCpu } from "@tickettoken/minting-service-kit"
import {
  BubblegumGateway,
  derivePdas,
  mintInstruction,
  RpcCallCounter,
  SolanaClient,
  SolanaConfig
} from "@tickettoken/minting-solana"
import { inspectProgramCache } from "@tickettoken/solana-localnet"
import { DateTime, Effect, Layer, ManagedRuntime, Redacted, References } from "effect"
import { SqlClient } from "effect/sql"
import * as Database from "../src/Database.ts"
import { runPass } from "../src/Pass.ts"
import { keypair } from "../test/Chains.ts"

const { values } = parseArgs({
  options: {
    mints: { type: "string", default: "10000" },
    "latency-ms": { type: "string", default: "5" },
    "batch-size": { type: "string", default: "1000" },
    sizes: { type: "string", default: "" },
    // For working on the pass: no seed baseline (a minute of one request after another), no ratio.
    "skip-baseline": { type: "boolean", default: false }
  }
})
const MINTS = Number(values.mints)
const LATENCY_MS = Number(values["latency-ms"])
const BATCH_SIZE = Number(values["batch-size"])
const SIZES = values.sizes === "" ? [] : values.sizes.split(",").map(Number)
const INCREMENT = 100
/** A tree with room for `mints` and the increment: depth 14 (16,384 leaves) or more. */
const treeFor = (mints: number) =>
  ({
    maxDepth: Math.max(14, Math.ceil(Math.log2(mints + INCREMENT + 1))),
    maxBufferSize: 64,
    canopyDepth: 0
  }) as const
const BASE_URL = "https://mint.bench"
const SEND_BATCH = 250

const log = (line: string) => process.stdout.write(`${line}\n`)
const seconds = (from: number) => (performance.now() - from) / 1000
const round = (n: number, digits: number) => Number(n.toFixed(digits))

const cache = inspectProgramCache()
if (cache.missing.length > 0) {
  log(
    `bench:reconcile: skipped: program binaries missing from ${cache.dir}: ${cache.missing.map((p) => p.name).join(", ")} (pnpm programs:fetch --rpc <URL>)`
  )
  process.exit(0)
}

// ---- the chain, in its own process -------------------------------------------------------------

interface ChainProcess {
  readonly rpcUrl: string
  readonly proxyUrl: string
  readonly child: ChildProcess
}

const startChain = async (): Promise<ChainProcess> => {
  const script = fileURLToPath(new URL("./benchChain.ts", import.meta.url))
  const child = spawn(process.execPath, [script, String(LATENCY_MS)], {
    stdio: ["ignore", "pipe", "inherit"]
  })
  const urls = await new Promise<{ rpcUrl: string; proxyUrl: string }>((resolve, reject) => {
    let out = ""
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString()
      const line = out.split("\n").find((l) => l.startsWith("{"))
      if (line !== undefined) resolve(JSON.parse(line))
    })
    child.once("exit", (code) => reject(new Error(`the chain process exited (${code}):\n${out}`)))
  })
  return { ...urls, child }
}

const rpc = async <A>(url: string, method: string, params: ReadonlyArray<unknown>): Promise<A> => {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params })
  })
  const body = (await response.json()) as { result?: A; error?: { message: string } }
  if (body.error !== undefined) throw new Error(`${method}: ${body.error.message}`)
  return body.result as A
}

const rpcBatch = async (
  url: string,
  calls: ReadonlyArray<{ method: string; params: ReadonlyArray<unknown> }>
) => {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(calls.map((c, id) => ({ jsonrpc: "2.0", id, ...c })))
  })
  return (await response.json()) as Array<{ result?: unknown; error?: { message: string } }>
}

const landed = async (url: string, signature: string) => {
  for (;;) {
    const { value } = await rpc<{ value: Array<{ confirmationStatus: string; err: unknown } | null> }>(
      url,
      "getSignatureStatuses",
      [[signature]]
    )
    const status = value[0]
    if (status != null && status.confirmationStatus !== "processed") {
      if (status.err !== null) throw new Error(`${signature} failed: ${JSON.stringify(status.err)}`)
      return
    }
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

// ---- the database ------------------------------------------------------------------------------

const serverUrl = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test"
const admin = (statement: (sql: SqlClient.SqlClient) => Effect.Effect<unknown, unknown>) =>
  Effect.runPromise(
    Effect.flatMap(SqlClient.SqlClient, statement).pipe(
      Effect.provide(PgClient.layer({ url: Redacted.make(serverUrl), maxConnections: 1 }))
    )
  )

// ---- set-up: N real mints and their completed rows ---------------------------------------------

const owner = keypair().address
const requestFor = (n: number) =>
  new MintRequest({
    ticketId: `bench-${String(n).padStart(6, "0")}`,
    orderId: `order-${Math.floor(n / 4)}`,
    eventId: "event-bench",
    owner
  })

interface Sent {
  readonly request: MintRequest
  readonly signature: string
  readonly wire: Uint8Array
  readonly lastValidBlockHeight: number
}

/** Builds, signs and sends every mint in JSON-RPC batches; the chain runs them as they come. */
const mintInBulk = (rpcUrl: string, tree: string, first: number, count: number) =>
  Effect.gen(function* () {
    const client = yield* SolanaClient
    const pdas = derivePdas(client)
    const sent: Array<Sent> = []
    let blockhash = { blockhash: "", lastValidBlockHeight: 0 }
    const end = first + count
    for (let from = first; from < end; from += SEND_BATCH) {
      if ((from - first) % 2_000 === 0) {
        blockhash = (yield* Effect.promise(() =>
          rpc<{ value: { blockhash: string; lastValidBlockHeight: number } }>(rpcUrl, "getLatestBlockhash", [
            { commitment: "confirmed" }
          ])
        )).value
      }
      const batch: Array<Sent> = []
      for (let n = from; n < Math.min(end, from + SEND_BATCH); n++) {
        const request = requestFor(n)
        const metadata = TicketMetadata.onChainMetadata(
          request,
          TicketMetadata.uriFor(BASE_URL, request.ticketId),
          null
        )
        const builder = mintInstruction(client, { mintId: request.ticketId, owner, tree, metadata }, pdas)
        const tx = yield* Effect.promise(() => builder.setBlockhash(blockhash).buildAndSign(client.umi))
        batch.push({
          request,
          signature: Base58.encode(tx.signatures[0]!),
          wire: client.umi.transactions.serialize(tx),
          lastValidBlockHeight: blockhash.lastValidBlockHeight
        })
      }
      const answers = yield* Effect.promise(() =>
        rpcBatch(
          rpcUrl,
          batch.map((s) => ({
            method: "sendTransaction",
            params: [Buffer.from(s.wire).toString("base64"), { encoding: "base64", skipPreflight: true }]
          }))
        )
      )
      const refused = answers.find((a) => a.error !== undefined)
      if (refused !== undefined)
        return yield* Effect.die(new Error(`send refused: ${refused.error!.message}`))
      sent.push(...batch)
    }
    yield* Effect.promise(() => landed(rpcUrl, sent.at(-1)!.signature))
    return sent
  })

/** Every leaf of the tree minted after `after`, read back from the chain, by signature. */
const leavesOf = (tree: string, from: string | null = null) =>
  Effect.gen(function* () {
    const chain = yield* ChainGateway
    const leaves = new Map<string, MintedAsset>()
    let after: string | null = from
    for (;;) {
      const page: TreeScanPage = yield* chain.scanTree(tree, after, 5_000)
      for (const leaf of page.leaves) leaves.set(leaf.signature, leaf)
      after = page.checkpoint
      if (page.done) return { leaves, checkpoint: after }
    }
  })

const completedRow = (sent: Sent, leaf: MintedAsset, tree: string) =>
  Effect.gen(function* () {
    const now = yield* DateTime.now
    return new Mint({
      id: yield* Ids.uuid,
      ticketId: sent.request.ticketId,
      request: sent.request,
      metadataUri: TicketMetadata.uriFor(BASE_URL, sent.request.ticketId),
      status: "completed",
      attempts: 0,
      maxAttempts: 3,
      nextAttemptAt: null,
      lease: null,
      transaction: new SignedTransaction({
        signature: sent.signature,
        lastValidBlockHeight: sent.lastValidBlockHeight,
        wire: sent.wire,
        tree,
        dataHash: leaf.dataHash,
        signedAt: now
      }),
      asset: leaf,
      failure: null,
      version: 2,
      createdAt: now,
      updatedAt: now,
      completedAt: now
    })
  })

/** `count` more mints landed in `tree` and their completed rows written, as the worker would have. */
const addMints = (rpcUrl: string, tree: string, first: number, count: number, after: string | null) =>
  Effect.gen(function* () {
    const sent = yield* mintInBulk(rpcUrl, tree, first, count)
    const { leaves, checkpoint } = yield* leavesOf(tree, after)
    if (leaves.size !== count) return yield* Effect.die(new Error(`${leaves.size} leaves, not ${count}`))
    const mints = yield* MintRepository
    const insertStarted = performance.now()
    yield* Effect.forEach(
      sent,
      (s) => Effect.flatMap(completedRow(s, leaves.get(s.signature)!, tree), (mint) => mints.create(mint)),
      { concurrency: 8, discard: true }
    )
    return { checkpoint, insertSeconds: seconds(insertStarted) }
  })

const setUp = (rpcUrl: string, size: number) =>
  Effect.gen(function* () {
    const chain = yield* ChainGateway
    const TREE = treeFor(size)
    const created = yield* chain.createTree(TREE)
    yield* (yield* TreeRegistry).register(
      new Tree({
        address: created.address,
        ...TREE,
        capacity: 2 ** TREE.maxDepth,
        minted: 0,
        status: "active",
        createdAt: yield* DateTime.now
      })
    )
    const sendStarted = performance.now()
    const added = yield* addMints(rpcUrl, created.address, 0, size, null)
    return {
      tree: created.address,
      checkpoint: added.checkpoint,
      sendSeconds: seconds(sendStarted),
      insertSeconds: added.insertSeconds
    }
  })

// ---- the seed's method -------------------------------------------------------------------------

/**
 * The seed's reconcileDbToChain: the completed mints from the database, then for each one
 * getTransaction (commitment confirmed), one after another; missing -> mint_missing, an error ->
 * transaction_failed, otherwise success.
 */
const seedMethod = (proxyUrl: string) =>
  Effect.gen(function* () {
    const mints = yield* MintRepository
    const started = performance.now()
    const signatures: Array<string> = []
    let cursor: string | null = null
    do {
      const page: { items: ReadonlyArray<Mint>; nextCursor: string | null } = yield* mints.scan(
        ["completed"],
        cursor,
        1_000
      )
      for (const mint of page.items) signatures.push(mint.asset?.signature ?? mint.transaction!.signature)
      cursor = page.nextCursor
    } while (cursor !== null)
    const counts = { success: 0, mint_missing: 0, transaction_failed: 0 }
    let requests = 0
    for (const signature of signatures) {
      requests++
      const tx = yield* Effect.promise(() =>
        rpc<{ meta: { err: unknown } | null } | null>(proxyUrl, "getTransaction", [
          signature,
          { commitment: "confirmed", maxSupportedTransactionVersion: 0 }
        ])
      )
      if (tx === null) counts.mint_missing++
      else if (tx.meta?.err) counts.transaction_failed++
      else counts.success++
    }
    return { seconds: seconds(started), requests, counts }
  })

// ---- the run -----------------------------------------------------------------------------------

const chainProcess = await startChain()
const payer = keypair()
const gatewayOn = (rpcUrl: string) =>
  BubblegumGateway.layer.pipe(Layer.provide(SolanaConfig.layer({ rpcUrl, keypair: payer.secret })))
// The pass's own log lines would drown the figures.
const quiet = Layer.succeed(References.MinimumLogLevel, "Warn")
const databases: Array<string> = []

/** A database of its own, migrated, for one size. */
const freshDatabase = async () => {
  const dbName = `bench_reconcile_${globalThis.crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`
  await admin((sql) => sql`CREATE DATABASE ${sql(dbName)}`)
  await admin((sql) => sql.unsafe(`ALTER DATABASE ${dbName} SET search_path TO minting, public`))
  databases.push(dbName)
  const dbUrl = new URL(serverUrl)
  dbUrl.pathname = `/${dbName}`
  return () =>
    Database.postgres({ url: Redacted.make(dbUrl.toString()), maxConnections: 8 }).layer.pipe(
      Layer.provideMerge(quiet)
    )
}

const pass = runPass({ lockName: "reconciler", batchSize: BATCH_SIZE, repair: true, minGapMs: 0 })
const reconciled = (outcome: Effect.Success<typeof pass>) => {
  if (outcome._tag !== "Reconciled") throw new Error(`no pass: ${outcome._tag}`)
  return outcome.report
}
/** The replica forgotten: the next pass reads the tree from its first transaction. */
const forgetReplica = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  Effect.gen(function* () {
    yield* sql`DELETE FROM tree_nodes`
    yield* sql`DELETE FROM tree_leaves`
    yield* sql`DELETE FROM tree_replicas`
  })
)

interface Measured {
  readonly seconds: number
  readonly report: ReconciliationReport
  readonly calls: number
  readonly byMethod: string
}

type Runtime = ManagedRuntime.ManagedRuntime<
  Effect.Services<typeof pass> | RpcCallCounter | SqlClient.SqlClient,
  unknown
>

/**
 * BENCH_CPU=1: each measured pass also prints this process's CPU time and the part of it spent
 * collecting garbage (the rest is waiting on the database and the chain), and the CPU time the
 * chain's process and the PostgreSQL server spent meanwhile. BENCH_CPU_PROFILE=<dir>: each measured pass, and only it, is profiled into
 * <dir>/pass-<n>.cpuprofile (open it in Chrome's DevTools), set-up and baseline left out.
 */
const profileDir = process.env.BENCH_CPU_PROFILE
let profiled = 0
const profiling = async <A>(run: () => Promise<A>): Promise<A> => {
  if (profileDir === undefined) return run()
  const session = new Session()
  session.connect()
  await session.post("Profiler.enable")
  await session.post("Profiler.start")
  try {
    return await run()
  } finally {
    const { profile } = await session.post("Profiler.stop")
    mkdirSync(profileDir, { recursive: true })
    writeFileSync(`${profileDir}/pass-${++profiled}.cpuprofile`, JSON.stringify(profile))
    session.disconnect()
  }
}

/**
 * The PostgreSQL server's postmaster, for its CPU time: the parent of a backend of ours, read
 * while that backend's connection is still open.
 */
const postmaster = (await admin((sql) =>
  Effect.map(sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`, (rows) =>
    ProcessCpu.postmasterOfBackend(Number(rows[0]!.pid))
  )
)) as string | undefined
/** CPU time so far, in ms, of the other processes a pass keeps busy. */
const othersCpuMs = () => ({
  chain: ProcessCpu.cpuMs(chainProcess.child.pid),
  postgres: ProcessCpu.postgresCpuMs(postmaster)
})

const measure = async (runtime: Runtime, expectSuccess: number): Promise<Measured> => {
  const callsBefore = await runtime.runPromise(Effect.flatMap(RpcCallCounter, (c) => c.count))
  let gcMs = 0
  const gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcMs += entry.duration
  })
  if (process.env.BENCH_CPU !== undefined) gc.observe({ entryTypes: ["gc"] })
  const started = performance.now()
  const cpuBefore = process.cpuUsage()
  const othersBefore = othersCpuMs()
  const report = reconciled(await profiling(() => runtime.runPromise(pass)))
  const elapsed = seconds(started)
  const cpu = process.cpuUsage(cpuBefore)
  const othersAfter = othersCpuMs()
  for (const entry of gc.takeRecords()) gcMs += entry.duration
  if (process.env.BENCH_CPU !== undefined)
    log(
      `  pass: ${elapsed.toFixed(3)} s, this process's CPU ${((cpu.user + cpu.system) / 1e6).toFixed(3)} s, of it garbage collection ${(gcMs / 1e3).toFixed(3)} s; ` +
        `the chain process (devnet and proxy) ${((othersAfter.chain - othersBefore.chain) / 1e3).toFixed(2)} s, ` +
        `PostgreSQL ${((othersAfter.postgres - othersBefore.postgres) / 1e3).toFixed(2)} s`
    )
  gc.disconnect()
  const callsAfter = await runtime.runPromise(Effect.flatMap(RpcCallCounter, (c) => c.count))
  if (
    report.counts.success !== expectSuccess ||
    report.findings.length > 0 ||
    (report.alerts ?? []).length > 0
  ) {
    throw new Error(
      `the pass found problems on clean data: ${JSON.stringify(report.counts)} ${report.alerts}`
    )
  }
  const byMethod = Object.entries(callsAfter.byMethod)
    .map(([method, n]) => [method, n - (callsBefore.byMethod[method] ?? 0)] as const)
    .filter(([, n]) => n > 0)
    .map(([method, n]) => `${method} ${n}`)
    .join(", ")
  return { seconds: elapsed, report, calls: callsAfter.calls - callsBefore.calls, byMethod }
}

/**
 * A size's set-up and `coldSamples` cold passes (the median is kept); `incremental` then lands
 * 100 more mints and measures the next pass.
 */
const runSize = async (size: number, coldSamples: number) => {
  const database = await freshDatabase()
  const setupStarted = performance.now()
  const setupRuntime = ManagedRuntime.make(Layer.mergeAll(database(), gatewayOn(chainProcess.rpcUrl)))
  const setup = await setupRuntime.runPromise(setUp(chainProcess.rpcUrl, size))
  log(
    `set-up (${size.toLocaleString("en-US")}): mintV1 transactions built, signed and sent in ${setup.sendSeconds.toFixed(1)} s; ` +
      `leaves read back; completed rows inserted in ${setup.insertSeconds.toFixed(1)} s; ${seconds(setupStarted).toFixed(1)} s in all`
  )
  // Through the proxy: the pool and the client are made before the clock starts.
  const runtime = ManagedRuntime.make(
    Layer.mergeAll(database(), gatewayOn(chainProcess.proxyUrl))
  ) as unknown as Runtime
  await runtime.runPromise(Effect.void)
  const cold: Array<Measured> = []
  for (let sample = 0; sample < coldSamples; sample++) {
    await runtime.runPromise(forgetReplica)
    cold.push(await measure(runtime, size))
  }
  const median = [...cold].sort((a, b) => a.seconds - b.seconds)[Math.floor(cold.length / 2)]!
  /** `samples` rounds of 100 new mints, each followed by a measured pass; the median is kept. */
  const incremental = async (samples: number) => {
    const passes: Array<Measured> = []
    let checkpoint = setup.checkpoint
    for (let round = 0; round < samples; round++) {
      const added = await setupRuntime.runPromise(
        addMints(chainProcess.rpcUrl, setup.tree, size + round * INCREMENT, INCREMENT, checkpoint)
      )
      checkpoint = added.checkpoint
      passes.push(await measure(runtime, size + (round + 1) * INCREMENT))
    }
    await setupRuntime.dispose()
    return { passes, median: [...passes].sort((a, b) => a.seconds - b.seconds)[Math.floor(samples / 2)]! }
  }
  return { cold, median, incremental, runtime }
}

try {
  const airdrop = await rpc<string>(chainProcess.rpcUrl, "requestAirdrop", [
    payer.address,
    10_000 * 1_000_000_000
  ])
  await landed(chainProcess.rpcUrl, airdrop)

  const headline = await runSize(MINTS, 3)
  const { median } = headline
  const report = median.report
  // The baseline on the same mints the cold passes judged.
  const baseline = values["skip-baseline"]
    ? { seconds: Number.NaN, requests: 0, counts: { success: 0 } }
    : await headline.runtime.runPromise(seedMethod(chainProcess.proxyUrl))
  const incrementals = await headline.incremental(3)
  const incremental = incrementals.median
  await headline.runtime.dispose()
  log(
    `ours:     one pass, cold (every transaction of the tree read and applied, the root proved, ${report.examined.toLocaleString("en-US")} leaves and mints judged): ` +
      `${median.seconds.toFixed(3)} s (median of ${headline.cold.map((c) => c.seconds.toFixed(3)).join(", ")}), ` +
      `${report.rpcCalls} RPC requests (${median.calls} JSON-RPC calls: ${median.byMethod}), ` +
      `${report.counts.success.toLocaleString("en-US")} success`
  )
  log(
    `ours:     incremental, after ${INCREMENT} new mints: ${incremental.seconds.toFixed(3)} s (median of ${incrementals.passes.map((p) => p.seconds.toFixed(3)).join(", ")}, each after ${INCREMENT} more), ${incremental.report.rpcCalls} RPC requests (${incremental.byMethod}), ` +
      `${incremental.report.counts.success.toLocaleString("en-US")} success`
  )

  log(
    `baseline: the seed's method (one getTransaction per completed mint, one after another; no chain-to-DB): ` +
      `${baseline.seconds.toFixed(3)} s, ${baseline.requests} RPC requests, ${baseline.counts.success.toLocaleString("en-US")} success`
  )

  if (SIZES.length > 0) {
    const rows: Array<ReadonlyArray<string>> = [
      ["mints", "first pass s", "first pass RPC", "incremental s", "incremental RPC"]
    ]
    for (const size of SIZES) {
      const measured = await runSize(size, 1)
      const next = (await measured.incremental(1)).median
      await measured.runtime.dispose()
      rows.push([
        size.toLocaleString("en-US"),
        measured.median.seconds.toFixed(3),
        String(measured.median.report.rpcCalls),
        next.seconds.toFixed(3),
        String(next.report.rpcCalls)
      ])
    }
    const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)))
    for (const row of rows) log(row.map((cell, c) => cell.padStart(widths[c]!)).join("  "))
  }
  log(`(RPC through a loopback proxy adding ${LATENCY_MS} ms per HTTP request; localnet in its own process)`)
  log(
    JSON.stringify({
      bench: "reconcile",
      unit: "s",
      ours: round(median.seconds, 3),
      baseline: round(baseline.seconds, 3),
      ratio: round(baseline.seconds / median.seconds, 2),
      rpc_calls_ours: report.rpcCalls,
      rpc_calls_baseline: baseline.requests,
      incremental_rpc_calls: incremental.report.rpcCalls,
      incremental_s: round(incremental.seconds, 3)
    })
  )
} finally {
  chainProcess.child.kill("SIGTERM")
  await once(chainProcess.child, "exit")
  for (const dbName of databases)
    await admin((sql) => sql`DROP DATABASE IF EXISTS ${sql(dbName)} WITH (FORCE)`)
}
