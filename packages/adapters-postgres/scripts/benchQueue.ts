/**
 * Claim + complete throughput of our MintRepository against pg-boss, on the same server, in the
 * same run, with the same jobs and workers: one job at a time and in batches of 10. "Complete"
 * is, for us, save() of the completed state (what the worker writes); for pg-boss, complete().
 * Not a test: it prints a table and, last, one JSON line.
 *
 *   pnpm bench:queue   [BENCH_JOBS=5000] [BENCH_WORKERS=8] [DATABASE_URL=postgres://...]
 */
import { PgClient } from "@effect/sql-pg"
import { Mint, MintedAsset, MintRepository, MintRequest, MintTransitions } from "@tickettoken/minting-core"
import { DateTime, Effect, Layer, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { PgBoss } from "pg-boss"
import * as Migrations from "../src/Migrations.ts"
import { mintValues } from "../src/MintRows.ts"
import * as Repositories from "../src/Repositories.ts"

const jobs = Number(process.env.BENCH_JOBS ?? 5_000)
const workers = Number(process.env.BENCH_WORKERS ?? 8)
const rounds = Number(process.env.BENCH_ROUNDS ?? 2)
const serverUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test"
const owner = "11111111111111111111111111111111"

const urlOf = (database: string) => {
  const url = new URL(serverUrl)
  url.pathname = `/${database}`
  return url.toString()
}

const onServer = <A, E>(effect: Effect.Effect<A, E, SqlClient.SqlClient>) =>
  Effect.runPromise(
    Effect.provide(effect, PgClient.layer({ url: Redacted.make(serverUrl), maxConnections: 1 }))
  )

const seconds = (start: number) => (performance.now() - start) / 1000

/** The server's WAL position, to report what each side writes per job. */
const walPosition = () =>
  onServer(
    Effect.map(
      Effect.flatMap(
        SqlClient.SqlClient,
        (sql) => sql<{ lsn: string }>`SELECT pg_current_wal_lsn()::text AS lsn`
      ),
      (rows) => {
        const [high = "0", low = "0"] = (rows[0]?.lsn ?? "0/0").split("/")
        return Number.parseInt(high, 16) * 2 ** 32 + Number.parseInt(low, 16)
      }
    )
  )

interface Run {
  readonly jobsPerSecond: number
  readonly walBytesPerJob: number
}

// --- ours -------------------------------------------------------------------------------

const seedMints = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  yield* sql.unsafe(`TRUNCATE ${Migrations.tables.join(", ")} CASCADE`)
  const created = DateTime.makeUnsafe(Date.UTC(2026, 0, 1))
  const rows = Array.from({ length: jobs }, (_, i) => {
    const ticketId = `bench-${i}`
    return mintValues(
      new Mint({
        id: `mint-${String(i).padStart(7, "0")}`,
        ticketId,
        request: new MintRequest({ ticketId, orderId: `order-${i}`, eventId: "bench", owner }),
        metadataUri: `https://tickets.example/metadata/${ticketId}`,
        status: "pending",
        attempts: 0,
        maxAttempts: 3,
        nextAttemptAt: created,
        lease: null,
        transaction: null,
        asset: null,
        failure: null,
        version: 0,
        createdAt: created,
        updatedAt: created,
        completedAt: null
      })
    )
  })
  for (let i = 0; i < rows.length; i += 500) {
    const chunk = rows.slice(i, i + 500)
    yield* sql`INSERT INTO mints ${sql.insert(chunk as [Record<string, unknown>, ...Array<Record<string, unknown>>])}`
  }
  yield* sql.unsafe("ANALYZE mints")
})

const ourWorker = (name: string, batch: number) =>
  Effect.gen(function* () {
    const repo = yield* MintRepository
    let done = 0
    while (true) {
      const now = yield* DateTime.now
      const claimed = yield* repo.claim({
        owner: name,
        now,
        leaseExpiresAt: DateTime.add(now, { minutes: 5 }),
        limit: batch
      })
      if (claimed.length === 0) return done
      const writes = claimed.map((mint) => {
        const asset = new MintedAsset({
          assetId: `asset-${mint.id}`,
          tree: "tree",
          leafIndex: 0,
          signature: `sig-${mint.id}`,
          slot: 1,
          owner,
          dataHash: "hash"
        })
        const completed = MintTransitions.transition(mint, { _tag: "Confirmed", asset }, now)
        if (completed._tag === "Failure") throw completed.failure
        return { mint: completed.success, expectedVersion: mint.version }
      })
      // One at a time: save(). A batch: saveMany(), one statement for the ten.
      yield* writes.length === 1
        ? repo.save(writes[0]!.mint, writes[0]!.expectedVersion)
        : repo.saveMany(writes)
      done += claimed.length
    }
  })

const runOurs = (url: string, batch: number) =>
  Effect.runPromise(
    Effect.gen(function* () {
      yield* seedMints
      const walBefore = yield* Effect.promise(walPosition)
      const start = performance.now()
      const counts = yield* Effect.forEach(
        Array.from({ length: workers }, (_, i) => `worker-${i}`),
        (name) => ourWorker(name, batch),
        { concurrency: "unbounded" }
      )
      const elapsed = seconds(start)
      const walAfter = yield* Effect.promise(walPosition)
      const completed = counts.reduce((a, b) => a + b, 0)
      const sql = yield* SqlClient.SqlClient
      const [check] = yield* sql<{
        n: number
      }>`SELECT count(*)::int AS n FROM mints WHERE status = 'completed'`
      if (completed !== jobs || check?.n !== jobs) {
        return yield* Effect.die(new Error(`ours: ${completed} handled, ${check?.n} completed, of ${jobs}`))
      }
      const run: Run = { jobsPerSecond: completed / elapsed, walBytesPerJob: (walAfter - walBefore) / jobs }
      return run
    }).pipe(
      Effect.provide(
        Repositories.layer.pipe(
          Layer.provideMerge(Migrations.layer),
          // One connection per worker, configured as the service's own pool is.
          Layer.provideMerge(PgClient.layer({ url: Redacted.make(url), maxConnections: workers }))
        )
      )
    )
  )

// --- pg-boss ----------------------------------------------------------------------------

const runBoss = async (url: string, batch: number): Promise<Run> => {
  const boss = new PgBoss({
    connectionString: url,
    max: workers,
    schema: "pgboss_bench",
    supervise: false,
    schedule: false
  })
  boss.on("error", (error) => console.error("pg-boss:", error))
  await boss.start()
  const queue = `bench_${batch}`
  await boss.createQueue(queue)
  for (let i = 0; i < jobs; i += 500) {
    const chunk = Array.from({ length: Math.min(500, jobs - i) }, (_, k) => ({
      data: { ticketId: `bench-${i + k}` }
    }))
    await boss.insert(queue, chunk)
  }
  const walBefore = await walPosition()
  const start = performance.now()
  const counts = await Promise.all(
    Array.from({ length: workers }, async () => {
      let done = 0
      while (true) {
        const fetched = await boss.fetch(queue, { batchSize: batch })
        if (fetched.length === 0) return done
        await boss.complete(
          queue,
          fetched.map((job) => job.id)
        )
        done += fetched.length
      }
    })
  )
  const elapsed = seconds(start)
  const walAfter = await walPosition()
  await boss.stop({ graceful: false, close: true })
  const completed = counts.reduce((a, b) => a + b, 0)
  if (completed !== jobs) throw new Error(`pg-boss: ${completed} of ${jobs} completed`)
  const run: Run = { jobsPerSecond: completed / elapsed, walBytesPerJob: (walAfter - walBefore) / jobs }
  return run
}

// --- run ----------------------------------------------------------------------------------

const database = `bench_${globalThis.crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`
const main = async () => {
  await onServer(Effect.flatMap(SqlClient.SqlClient, (sql) => sql`CREATE DATABASE ${sql(database)}`))
  // Its clients are plain pools: they find the service's tables in their schema by this default.
  await onServer(
    Effect.flatMap(SqlClient.SqlClient, (sql) =>
      sql.unsafe(`ALTER DATABASE ${database} SET search_path TO ${Migrations.defaultSchema}, public`)
    )
  )
  const url = urlOf(database)
  try {
    const results: Array<{ mode: string; ours: Run; baseline: Run }> = []
    for (const [mode, batch] of [
      ["one at a time", 1],
      ["batches of 10", 10]
    ] as const) {
      // Alternate, and keep the better of two rounds each, so neither side pays for warm-up alone.
      const better = (a: Run | undefined, b: Run) =>
        a === undefined || b.jobsPerSecond > a.jobsPerSecond ? b : a
      let ours: Run | undefined
      let baseline: Run | undefined
      for (let round = 0; round < rounds; round++) {
        ours = better(ours, await runOurs(url, batch))
        baseline = better(baseline, await runBoss(url, batch))
      }
      if (ours === undefined || baseline === undefined) throw new Error("no rounds ran")
      results.push({ mode, ours, baseline })
    }
    const line = (cells: ReadonlyArray<string>) =>
      cells.map((c, i) => (i === 0 ? c.padEnd(15) : c.padStart(19))).join("")
    console.log(
      `queue: ${jobs} jobs, ${workers} workers, claim + complete, best of ${rounds} rounds, ${new URL(url).host}`
    )
    console.log(
      line(["mode", "ours jobs/s", "pg-boss jobs/s", "ratio", "ours WAL B/job", "pg-boss WAL B/job"])
    )
    for (const r of results) {
      console.log(
        line([
          r.mode,
          r.ours.jobsPerSecond.toFixed(0),
          r.baseline.jobsPerSecond.toFixed(0),
          (r.ours.jobsPerSecond / r.baseline.jobsPerSecond).toFixed(2),
          r.ours.walBytesPerJob.toFixed(0),
          r.baseline.walBytesPerJob.toFixed(0)
        ])
      )
    }
    const batched = results[1]!
    console.log(
      JSON.stringify({
        bench: "queue",
        unit: "jobs/s",
        ours: Math.round(batched.ours.jobsPerSecond),
        baseline: Math.round(batched.baseline.jobsPerSecond),
        ratio: Number((batched.ours.jobsPerSecond / batched.baseline.jobsPerSecond).toFixed(2))
      })
    )
  } finally {
    await onServer(
      Effect.flatMap(SqlClient.SqlClient, (sql) => sql`DROP DATABASE IF EXISTS ${sql(database)} WITH (FORCE)`)
    )
  }
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
