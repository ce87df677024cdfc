/**
 * The reconciler as a process: the one-shot CLI's output and exit codes, the daemon's leader
 * lock against another holder and against a second daemon, and graceful shutdown (a pass under
 * way finishes before the deadline, or is abandoned after it; the lock is let go either way).
 * Real PostgreSQL; the chain is a localnet without programs (these passes read statuses only).
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { ChainGateway, LeaderLock, MintRepository, ReportRepository } from "@tickettoken/minting-core"
import { Net } from "@tickettoken/minting-service-kit"
import { type Localnet, startLocalnet } from "@tickettoken/solana-localnet"
import { Deferred, Effect, Fiber, Layer, ManagedRuntime, Option } from "effect"
import { type LatencyProxy, startLatencyProxy } from "../scripts/LatencyProxy.ts"
import * as Daemon from "../src/Daemon.ts"
import * as Database from "../src/Database.ts"
import { keypair, simulated } from "./Chains.ts"
import { messageOf, startReconciler } from "./Reconcilers.ts"
import { ghostRow } from "./Scenarios.ts"
import { createDatabase, type TestDatabase } from "./TestDatabase.ts"

let database: TestDatabase
let localnet: Localnet
let proxy: LatencyProxy
let runtime: ManagedRuntime.ManagedRuntime<Database.DatabaseServices, unknown>

const run = <A, E>(effect: Effect.Effect<A, E, Database.DatabaseServices>) => runtime.runPromise(effect)

const reportCount = Effect.flatMap(ReportRepository, (reports) =>
  Effect.map(reports.list({ limit: 1_000 }), (page) => page.items.length)
)

const statusOf = (ticketId: string) =>
  Effect.flatMap(MintRepository, (mints) =>
    Effect.map(mints.findByTicket(ticketId), (mint) => Option.getOrThrow(mint).status)
  )

/** Holds the reconciler's lock from this process until `release` runs. */
const holdLock = async () => {
  const taken = Effect.runSync(Deferred.make<void>())
  const release = Effect.runSync(Deferred.make<void>())
  const fiber = runtime.runFork(
    Effect.flatMap(LeaderLock, (lock) =>
      lock.withLock("reconciler", Effect.andThen(Deferred.succeed(taken, undefined), Deferred.await(release)))
    )
  )
  await Effect.runPromise(Deferred.await(taken))
  return async () => {
    await Effect.runPromise(Deferred.succeed(release, undefined))
    await runtime.runPromise(Fiber.join(fiber))
  }
}

const env = (rpcUrl: string, extra: Record<string, string> = {}) => ({
  DATABASE_URL: database.urlText,
  SOLANA_RPC_URL: rpcUrl,
  ...extra
})

beforeAll(async () => {
  database = await createDatabase()
  localnet = await startLocalnet({ port: 0, loadPrograms: false, slotIntervalMs: 50 })
  proxy = await startLatencyProxy({ target: localnet.rpcUrl, delayMs: 100 })
  runtime = ManagedRuntime.make(Database.postgres({ url: database.url, maxConnections: 4 }).layer)
  // Completed mints whose signatures never existed: every pass has statuses to read.
  await run(ghostRow("ghost-1", keypair().address))
  await run(ghostRow("ghost-2", keypair().address))
})
afterAll(async () => {
  await runtime?.dispose()
  await proxy?.close()
  await localnet?.close()
  await database?.drop()
})

describe("reconcile --once", () => {
  it("prints a summary; --no-repair changes nothing; --strict exits 1 on a problem; --json prints the report", async () => {
    const reportOnly = startReconciler(["--once", "--no-repair", "--strict"], env(localnet.rpcUrl))
    assert.strictEqual(await reportOnly.exited, 1, reportOnly.stderr())
    const table = reportOnly.stdout()
    assert.match(table, /report only \(--no-repair\)/)
    assert.match(table, /mint_missing\s+2\n/)
    assert.match(table, /success\s+0\n/)
    assert.match(table, /RPC requests\s+\d+/)
    assert.match(table, /Findings \(2\):[\s\S]*mint_missing\s+mark_missing\s+ghost-1/)
    assert.isTrue(reportOnly.logs.length > 0 && reportOnly.logs.every((line) => line.level !== undefined))
    assert.strictEqual(await run(statusOf("ghost-1")), "completed", "--no-repair repaired nothing")

    const json = startReconciler(["--once", "--json"], env(localnet.rpcUrl))
    assert.strictEqual(await json.exited, 0, json.stderr())
    const report = JSON.parse(json.stdout()) as {
      counts: { byReason: Record<string, number> }
      findings: Array<{ reasonCode: string; ticketId: string }>
      rpcCalls: number
      examined: number
    }
    assert.strictEqual(report.counts.byReason.mint_missing, 2)
    assert.deepStrictEqual(
      report.findings.map((f) => f.reasonCode),
      ["mint_missing", "mint_missing"]
    )
    assert.isAtLeast(report.rpcCalls, 1)
    assert.strictEqual(report.examined, 2)
    assert.strictEqual(await run(statusOf("ghost-1")), "missing_on_chain", "repaired")
  })

  it("exits 2 on bad usage and on an invalid interval, saying why", async () => {
    const usage = startReconciler(["--once", "--limit", "many"], env(localnet.rpcUrl))
    assert.strictEqual(await usage.exited, 2)
    assert.match(usage.stderr(), /--limit must be a whole number/)
    const interval = startReconciler([], env(localnet.rpcUrl, { RECONCILE_INTERVAL: "soon" }))
    assert.strictEqual(await interval.exited, 2)
    assert.match(interval.stderr(), /RECONCILE_INTERVAL is \\"soon\\"/)
  })
})

describe("the daemon", () => {
  it("serves /metrics and /health on RECONCILER_PORT", async () => {
    const port = await Net.freePort()
    const daemon = startReconciler(
      [],
      env(localnet.rpcUrl, {
        RECONCILE_INTERVAL: "300ms",
        RECONCILER_PORT: String(port),
        RECONCILE_REPAIR: "false"
      })
    )
    try {
      await daemon.logged("reconciliation pass finished")
      const metrics = await fetch(`http://127.0.0.1:${port}/metrics`)
      assert.strictEqual(metrics.status, 200)
      const text = await metrics.text()
      assert.match(text, /reconciliation_passes_total\{[^}]*outcome="reconciled"[^}]*\} [1-9]/)
      assert.match(text, /reconciliation_last_success_timestamp_seconds(\{[^}]*\})? [1-9]/)
      assert.match(text, /reconciliation_open_findings\{[^}]*reason="mint_missing"/)
      const health = await fetch(`http://127.0.0.1:${port}/health`)
      assert.strictEqual(health.status, 200)
      const body = (await health.json()) as { status: string; database: string; lastOutcome: string }
      assert.deepInclude(body, { status: "ok", database: "ok" })
      assert.include(["reconciled", "recent"], body.lastOutcome)
      assert.strictEqual((await fetch(`http://127.0.0.1:${port}/nope`)).status, 404)
    } finally {
      assert.strictEqual(await daemon.stop("SIGTERM"), 0)
    }
    // The port is let go with the daemon.
    await new Promise((resolve) => setTimeout(resolve, 100))
    const refused = await fetch(`http://127.0.0.1:${port}/health`).then(
      () => false,
      () => true
    )
    assert.isTrue(refused)
  })

  it("skips its turns while another holder has the lock, takes over once it is let go, and stops cleanly", async () => {
    const release = await holdLock()
    const before = await run(reportCount)
    const daemon = startReconciler([], env(localnet.rpcUrl, { RECONCILE_INTERVAL: "200ms" }))
    try {
      await daemon.logged("pass skipped: another replica holds the leader lock", 2)
      assert.strictEqual(await run(reportCount), before, "no pass while the lock was held elsewhere")
      await release()
      await daemon.logged("reconciliation pass finished")
      assert.isAbove(await run(reportCount), before)
    } finally {
      assert.strictEqual(await daemon.stop("SIGTERM"), 0)
    }
    assert.strictEqual(messageOf(daemon.logs.at(-1)!), "reconciler daemon stopped")
    // Every line one JSON object: its message a string, the annotations beside it.
    assert.isTrue(
      daemon.logs.every((line) => typeof line.message === "string" && line.service === "reconciler")
    )
  })

  it("two daemons at once: one pass at a time, and both stop on SIGINT/SIGTERM with exit 0", async () => {
    // Through a 100 ms RPC, so each pass lasts long enough for the other daemon to run into it.
    const started = Date.now()
    const a = startReconciler([], env(proxy.url, { RECONCILE_INTERVAL: "150ms" }))
    const b = startReconciler([], env(proxy.url, { RECONCILE_INTERVAL: "150ms" }))
    const finished = () =>
      [a, b].flatMap((d) => d.logs).filter((line) => messageOf(line) === "reconciliation pass finished")
        .length
    while (finished() < 6 && Date.now() - started < 60_000) await new Promise((r) => setTimeout(r, 100))
    const [codeA, codeB] = await Promise.all([a.stop("SIGTERM"), b.stop("SIGINT")])
    assert.strictEqual(codeA, 0, a.stderr())
    assert.strictEqual(codeB, 0, b.stderr())

    const passes = await run(
      Effect.flatMap(ReportRepository, (reports) => reports.list({ limit: 1_000 }))
    ).then((page) =>
      page.items
        .map((r) => ({ start: r.startedAt.epochMilliseconds, end: r.finishedAt.epochMilliseconds }))
        .filter((r) => r.start >= started)
        .sort((x, y) => x.start - y.start)
    )
    assert.isAtLeast(passes.length, 6)
    for (let i = 1; i < passes.length; i++) {
      assert.isAtLeast(passes[i]!.start, passes[i - 1]!.end, "passes never overlap")
    }
    const skipped = [a, b]
      .flatMap((d) => d.logs)
      .filter((line) => messageOf(line) === "pass skipped: another replica holds the leader lock").length
    assert.isAtLeast(skipped, 1, "the daemons did meet at the lock")
    // Both let go of the lock on the way out.
    const release = await holdLock()
    await release()
  })
})

describe("graceful shutdown", () => {
  /** The simulated chain, with status reads that take `ms` and say when one has begun. */
  const slowChain = (began: Deferred.Deferred<void>, ms: number) =>
    Layer.effect(
      ChainGateway,
      Effect.map(ChainGateway, (inner) =>
        ChainGateway.of({
          ...inner,
          // Every pass proves its trees once, whatever it finds: the slow step.
          observeTrees: (addresses) =>
            Deferred.succeed(began, undefined).pipe(
              Effect.andThen(Effect.sleep(ms)),
              Effect.andThen(inner.observeTrees(addresses))
            )
        })
      )
    ).pipe(Layer.provideMerge(simulated))

  const daemonOptions = (shutdownDeadlineMs: number): Daemon.DaemonOptions => ({
    lockName: "reconciler",
    batchSize: 100,
    repair: false,
    intervalMs: 60_000,
    minGapMs: 0,
    shutdownDeadlineMs
  })

  const interruptMidPass = (shutdownDeadlineMs: number) =>
    Effect.gen(function* () {
      const began = yield* Deferred.make<void>()
      const before = yield* reportCount
      const daemon = yield* Effect.forkChild(
        Daemon.run(daemonOptions(shutdownDeadlineMs)).pipe(Effect.provide(slowChain(began, 1_000)))
      )
      yield* Deferred.await(began)
      yield* Fiber.interrupt(daemon)
      const after = yield* reportCount
      // Whatever became of the pass, the lock is free again.
      const lock = yield* LeaderLock
      const free = yield* lock.withLock("reconciler", Effect.succeed(true))
      return { stored: after - before, free: Option.isSome(free) }
    })

  it("a pass under way when shutdown begins finishes before the deadline", async () => {
    const { stored, free } = await run(interruptMidPass(10_000))
    assert.strictEqual(stored, 1, "the pass finished and its report was stored")
    assert.isTrue(free)
  })

  it("a pass still running at the deadline is abandoned, and the lock let go", async () => {
    const { stored, free } = await run(interruptMidPass(50))
    assert.strictEqual(stored, 0, "abandoned: no report")
    assert.isTrue(free)
  })
})
