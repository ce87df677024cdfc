/**
 * `pnpm bench:e2e [--rate R] [--seconds S] [--sweep R1,R2,...] [--slot-ms MS]`
 *
 * Accept -> completed latency and throughput of the whole service: signed POST /v1/mints at a
 * fixed rate (50/s) for S seconds (60) through the HTTP service (its own process, the real
 * worker), on a PostgreSQL server of the run's own, minting on the local devnet with the real
 * Bubblegum programs in its own process (400 ms slots, as `pnpm localnet`). Latency is the
 * database's: a mint's created_at (accepted) to its completed_at (confirmed on chain).
 *
 * The baseline is `bench:chain`'s bare in-process rate (umi-built mintV1 transactions straight
 * into LiteSVM), measured in the same run. `--sweep` runs each rate in turn on the same stack
 * and reports the highest one sustained (everything completed, at least 95% of the offered
 * rate, p99 under 3 s); the last line is then that rate's figure.
 *
 * Prints one row per rate; the last line is one JSON object:
 * {"bench":"e2e","unit":"mints/s","ours":N,"baseline":N,"ratio":N,"p50_ms":N,"p99_ms":N}.
 * Without the program binaries it says so and exits 0 with no figure.
 *
 * Each rate also prints the CPU time per mint of the service, the devnet and the PostgreSQL
 * server (from /proc), since on a shared machine their sum, not the wall clock, bounds the rate.
 * `BENCH_CPU_PROFILE=<dir>` runs the service under `--cpu-prof` into that folder (written as it
 * stops, warm-up included).
 */
import { spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { once } from "node:events"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { parseArgs } from "node:util"
import { DisposableServer } from "@tickettoken/minting-postgres/testing"
import { ProcessCpu } from "@tickettoken/minting-service-kit"
import { SolanaClient } from "@tickettoken/minting-solana"
import { spawnLocalnet } from "@tickettoken/solana-localnet"
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { makeAuditor } from "../src/Audit.ts"
import { repoRoot, ServiceProcess, sleep } from "../src/ServiceProcess.ts"
import { freePort, programsCached, writeKeypair } from "../src/Stack.ts"
import { call, client, ticket } from "../src/Tickets.ts"

const { values } = parseArgs({
  options: {
    rate: { type: "string", default: "50" },
    seconds: { type: "string", default: "60" },
    sweep: { type: "string" },
    "slot-ms": { type: "string", default: "400" },
    concurrency: { type: "string" },
    batch: { type: "string" }
  }
})
const seconds = Number(values.seconds)
const rates = (values.sweep ?? values.rate).split(",").map(Number)
const slotMs = Number(values["slot-ms"])

if (!programsCached()) {
  console.log(
    "bench:e2e: skipped: the Bubblegum programs are not in the cache (pnpm programs:fetch --rpc <URL>)"
  )
  process.exit(0)
}

const percentile = (sorted: ReadonlyArray<number>, p: number) =>
  sorted.length === 0
    ? Number.NaN
    : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!

/**
 * bench:chain's bare in-process rate, from its own run (its last line is JSON): the best of five
 * rounds of 500 mints. Two rounds of 200 (a quarter of a second each) gave 445 to 812 mints/s on
 * one machine within the hour, which moved the ratio more than any change to the service did.
 */
const baselineRate = async (): Promise<number> => {
  const script = join(repoRoot, "packages", "adapters-solana", "scripts", "bench-chain.ts")
  const child = spawn(process.execPath, [script, "--in-process", "--rounds", "5", "--mints", "500"], {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "inherit"]
  })
  let out = ""
  child.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString()
  })
  await once(child, "exit")
  const last = out.trim().split("\n").at(-1) ?? ""
  return (JSON.parse(last) as { baseline: number }).baseline
}

/** The local devnet in a process of its own, as a validator would be. */
const startLocalnetProcess = async () => {
  const net = await spawnLocalnet({ slotMs })
  return {
    rpcUrl: net.rpcUrl,
    pid: net.child.pid,
    fund: (address: string) => net.fund(address, 10_000),
    close: net.close
  }
}

/** The environment without anything that would point the service elsewhere. */
const inherited = (): Record<string, string> =>
  Object.fromEntries(
    Object.entries(process.env).filter(
      (e): e is [string, string] =>
        e[1] !== undefined &&
        !/^(TT_FAULT_|SOLANA_RPC_URL$|SOLANA_KEYPAIR$|DATABASE_URL$|DB_|PG|WORKER_|PORT$|INTERNAL_AUTH|JWT_|RABBITMQ_)/.test(
          e[0]
        )
    )
  )

interface Row {
  readonly rate: number
  readonly accepted: number
  readonly completed: number
  readonly failed: number
  readonly throughput: number
  readonly p50: number
  readonly p90: number
  readonly p99: number
  readonly max: number
  readonly sustained: boolean
}

const dir = mkdtempSync(join(tmpdir(), "tt-bench-e2e-"))
const baseline = await baselineRate()
console.log(`bench:e2e: baseline (bench:chain in-process) ${baseline.toFixed(0)} mints/s`)
const localnet = await startLocalnetProcess()
const pg = await DisposableServer.make()
const payerPath = join(dir, "fee-payer.json")
const payer = writeKeypair(payerPath)
await localnet.fund(payer)
const secret = randomBytes(16).toString("hex")
const service = new ServiceProcess("bench", await freePort(), {
  ...inherited(),
  HOST: "127.0.0.1",
  DATABASE_URL: pg.url,
  SOLANA_RPC_URL: localnet.rpcUrl,
  SOLANA_KEYPAIR: payerPath,
  INTERNAL_AUTH_SECRETS: secret,
  DATA_DIR: dir,
  PUBLIC_BASE_URL: "https://tickets.example",
  LOG_LEVEL: "warn",
  ...(process.env.BENCH_CPU_PROFILE === undefined
    ? {}
    : { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${process.env.BENCH_CPU_PROFILE}` }),
  ...(values.concurrency === undefined ? {} : { WORKER_CONCURRENCY: values.concurrency }),
  ...(values.batch === undefined ? {} : { WORKER_BATCH: values.batch })
})
const auditor = makeAuditor({ databaseUrl: pg.url, rpcUrl: localnet.rpcUrl })
const api = client(service.url, secret)

const latencies = (prefix: string) =>
  auditor.run(
    Effect.flatMap(
      SqlClient.SqlClient,
      (sql) =>
        sql<{
          status: string
          error_code: string | null
          created: number
          signed: number | null
          completed: number | null
        }>`
        SELECT m.status, m.error_code, extract(epoch FROM m.created_at) * 1000 AS created,
               extract(epoch FROM (SELECT max(a.created_at) FROM mint_attempts a WHERE a.mint_id = m.id)) * 1000 AS signed,
               extract(epoch FROM m.completed_at) * 1000 AS completed
        FROM mints m WHERE m.ticket_id LIKE ${`${prefix}-%`}`
    )
  )

/** Offers `rate` POSTs a second for `seconds`, then waits for them to settle. */
const runRate = async (rate: number): Promise<Row> => {
  const prefix = `e2e${rate}r${Date.now() % 100_000}`
  const logsBefore = service.logs().length
  const total = Math.round(rate * seconds)
  const start = Date.now()
  const inFlight: Array<Promise<boolean>> = []
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate
    const wait = due - Date.now()
    if (wait > 0) await sleep(wait)
    inFlight.push(
      call(api.requestMint(ticket(`${prefix}-${i}`))).then(
        () => true,
        () => false
      )
    )
  }
  const accepted = (await Promise.all(inFlight)).filter(Boolean).length
  const offeredFor = (Date.now() - start) / 1000
  // Drain: everything accepted completes (or fails), within 2 minutes.
  const deadline = Date.now() + 120_000
  let rows = await latencies(prefix)
  while (rows.some((r) => r.status === "pending" || r.status === "minting") && Date.now() < deadline) {
    await sleep(250)
    rows = await latencies(prefix)
  }
  const done = rows.filter((r) => r.status === "completed" && r.completed !== null)
  const lat = done.map((r) => Number(r.completed) - Number(r.created)).sort((a, b) => a - b)
  const first = Math.min(...rows.map((r) => Number(r.created)))
  const last = Math.max(...done.map((r) => Number(r.completed)))
  const throughput = done.length / ((last - first) / 1000)
  const p99 = percentile(lat, 99)
  // Where the time goes: waiting to be claimed and signed, then waiting for the chain.
  const toSigned = done.map((r) => Number(r.signed) - Number(r.created)).sort((a, b) => a - b)
  const toLanded = done.map((r) => Number(r.completed) - Number(r.signed)).sort((a, b) => a - b)
  console.log(
    `  accept->signed p50 ${percentile(toSigned, 50).toFixed(0)} ms, p99 ${percentile(toSigned, 99).toFixed(0)} ms; ` +
      `signed->completed p50 ${percentile(toLanded, 50).toFixed(0)} ms, p99 ${percentile(toLanded, 99).toFixed(0)} ms`
  )
  // The service's warnings and errors during this rate, most frequent first.
  const warned = new Map<string, number>()
  for (const line of service.logs().slice(logsBefore))
    if (/warn|error|fatal/i.test(line.level)) {
      // A failure's code and detail say more than its message.
      const { code, detail } = line.raw as { code?: unknown; detail?: unknown }
      const key = code === undefined ? line.text : `${line.text}: ${String(code)}: ${String(detail ?? "")}`
      warned.set(key, (warned.get(key) ?? 0) + 1)
    }
  for (const [text, n] of [...warned].sort((a, b) => b[1] - a[1]).slice(0, 5))
    console.log(`  service ${n} x ${text.slice(0, 200)}`)
  // Attempts that landed failed: what they consumed against their limit, and how they ended.
  const landedFailed = await auditor.run(
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const client = yield* SolanaClient
      const failed = yield* sql<{ signature: string }>`
        SELECT a.signature FROM mint_attempts a JOIN mints m ON m.id = a.mint_id
        WHERE m.ticket_id LIKE ${`${prefix}-%`} AND a.outcome = 'failed' LIMIT 3`
      if (failed.length === 0) return []
      const txs = yield* client.rpc.batch<{
        meta: { computeUnitsConsumed?: number; logMessages?: Array<string> }
      } | null>(
        "getTransaction",
        failed.map((f) => [f.signature, { commitment: "confirmed", maxSupportedTransactionVersion: 0 }])
      )
      return failed.map((f, i) => ({ signature: f.signature, meta: txs[i]?.meta }))
    })
  )
  for (const { signature, meta } of landedFailed) {
    const logs = meta?.logMessages ?? []
    console.log(
      `    landed failed ${signature.slice(0, 12)}...: ${meta?.computeUnitsConsumed ?? "?"} units; ` +
        `${logs.length} log lines, last: ${logs.slice(-3).join(" | ").slice(0, 300)}`
    )
  }
  const failedRows = rows.filter((r) => r.status === "failed")
  if (failedRows.length > 0) {
    const byCode: Record<string, number> = {}
    for (const r of failedRows) byCode[r.error_code ?? "none"] = (byCode[r.error_code ?? "none"] ?? 0) + 1
    console.log(`  failed by code: ${JSON.stringify(byCode)}`)
    // Why: the failures' messages and what their attempts became, most frequent first.
    const why = await auditor.run(
      Effect.flatMap(
        SqlClient.SqlClient,
        (sql) =>
          sql<{ message: string | null; outcomes: string | null; n: number }>`
          SELECT left(m.error_message, 200) AS message,
                 (SELECT string_agg(a.outcome, ',' ORDER BY a.attempt) FROM mint_attempts a WHERE a.mint_id = m.id) AS outcomes,
                 count(*)::int AS n
          FROM mints m WHERE m.ticket_id LIKE ${`${prefix}-%`} AND m.status = 'failed'
          GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 5`
      )
    )
    for (const w of why)
      console.log(`    ${w.n} x ${w.message ?? "(no message)"}; attempts: ${w.outcomes ?? "none"}`)
  }
  return {
    rate,
    accepted,
    completed: done.length,
    failed: rows.filter((r) => r.status === "failed").length,
    throughput,
    p50: percentile(lat, 50),
    p90: percentile(lat, 90),
    p99,
    max: lat.at(-1) ?? Number.NaN,
    sustained:
      done.length === total &&
      accepted === total &&
      throughput >= rate * 0.95 * (seconds / Math.max(seconds, offeredFor)) &&
      p99 < 3_000
  }
}

const serviceCpuMs = (): number => ProcessCpu.cpuMs(service.pid)
const devnetCpuMs = (): number => ProcessCpu.cpuMs(localnet.pid)
const postmasterPid = ProcessCpu.postmasterOf(pg.port)
const postgresCpuMs = (): number => ProcessCpu.postgresCpuMs(postmasterPid)

/** The service's chain calls so far, by operation (its /metrics). */
const chainCalls = async (): Promise<Record<string, number>> => {
  const text = await (await fetch(`${service.url}/metrics`)).text()
  const out: Record<string, number> = {}
  for (const match of text.matchAll(/^chain_calls_total\{[^}]*operation="(\w+)"[^}]*\} (\d+)/gm))
    out[match[1]!] = Number(match[2])
  return out
}

const rows: Array<Row> = []
try {
  await service.start()
  // Warm-up: the first tree, the first blockhash, the JIT.
  await runRateWarm()
  for (const rate of rates) {
    const callsBefore = await chainCalls()
    const cpuBefore = [serviceCpuMs(), devnetCpuMs(), postgresCpuMs()]
    const row = await runRate(rate)
    const [serviceMs, devnetMs, postgresMs] = [serviceCpuMs(), devnetCpuMs(), postgresCpuMs()].map(
      (ms, i) => (ms - cpuBefore[i]!) / Math.max(1, row.completed)
    )
    const callsAfter = await chainCalls()
    console.log(`  service CPU per mint (intake, worker, everything): ${serviceMs!.toFixed(1)} ms`)
    console.log(
      `  devnet CPU per mint ${devnetMs!.toFixed(1)} ms, PostgreSQL CPU per mint ${postgresMs!.toFixed(1)} ms`
    )
    // Load-independent: how many chain calls a mint costs (status reads batched across mints).
    console.log(
      `  chain calls per mint: ${Object.entries(callsAfter)
        .map(([op, n]) => `${op} ${((n - (callsBefore[op] ?? 0)) / Math.max(1, row.completed)).toFixed(2)}`)
        .join(", ")}`
    )
    rows.push(row)
    console.log(
      `rate ${row.rate}/s for ${seconds} s: accepted ${row.accepted}, completed ${row.completed}, failed ${row.failed}; ` +
        `achieved ${row.throughput.toFixed(1)} mints/s; accept->completed p50 ${row.p50.toFixed(0)} ms, ` +
        `p90 ${row.p90.toFixed(0)} ms, p99 ${row.p99.toFixed(0)} ms, max ${row.max.toFixed(0)} ms; ` +
        `ratio ${(row.throughput / baseline).toFixed(3)}${row.sustained ? "" : " (not sustained)"}`
    )
  }
} finally {
  await service.stop(10_000).catch(() => undefined)
  await auditor.dispose()
  await localnet.close()
  pg.dispose()
  rmSync(dir, { recursive: true, force: true })
}

async function runRateWarm() {
  await Promise.all(Array.from({ length: 20 }, (_, i) => call(api.requestMint(ticket(`warm-${i}`)))))
  for (let i = 0; i < 200; i++) {
    const rows = await latencies("warm")
    if (rows.every((r) => r.status === "completed")) return
    await sleep(100)
  }
}

const sustained = rows.filter((r) => r.sustained)
const figure = values.sweep === undefined ? rows[0]! : (sustained.at(-1) ?? rows[0]!)
if (values.sweep !== undefined)
  console.log(
    sustained.length === 0
      ? "bench:e2e: no rate of the sweep was sustained"
      : `bench:e2e: highest sustained rate ${figure.rate}/s (ratio ${(figure.throughput / baseline).toFixed(3)})`
  )
console.log(
  JSON.stringify({
    bench: "e2e",
    unit: "mints/s",
    ours: Number(figure.throughput.toFixed(1)),
    baseline: Number(baseline.toFixed(1)),
    ratio: Number((figure.throughput / baseline).toFixed(3)),
    p50_ms: Math.round(figure.p50),
    p99_ms: Math.round(figure.p99)
  })
)
