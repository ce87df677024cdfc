/**
 * `pnpm soak [--tickets N] [--workers N] [--max-minutes M] [--seed S] [--calm]`
 *
 * N tickets (10,000 by default) through the HTTP API, signed with the platform client, in
 * batches, into service processes (HTTP + worker) on one PostgreSQL server of the run's own,
 * minting on the localnet with the real Bubblegum programs behind the fault proxy. Meanwhile
 * the proxy injects random faults (429s, held requests, lost send answers, a lagging height,
 * short outages) and random workers are SIGKILLed and started again. Once every ticket is
 * accepted and every mint settled: a reconciliation pass (`reconcile --once`) and the audit of
 * the database against every leaf on chain.
 *
 * Prints accepted, completed, failed (by reason), leaves on chain, double mints (must be 0),
 * lost (must be 0), the duration and the peak RSS of each process; the last line is the same as
 * one JSON object. Exits 1 when anything was minted twice or lost, or the run ran out of time.
 * Everything runs on 127.0.0.1 and stops by itself: the chaos ends when the tickets are in, the
 * whole run at --max-minutes.
 */
import { parseArgs } from "node:util"
import { makeAuditor } from "../src/Audit.ts"
import { type ServiceProcess, sleep } from "../src/ServiceProcess.ts"
import { programsCached, startStack } from "../src/Stack.ts"
import { settled, submit, tickets } from "../src/Tickets.ts"

const { values } = parseArgs({
  options: {
    tickets: { type: "string", default: "10000" },
    workers: { type: "string", default: "2" },
    "max-minutes": { type: "string" },
    seed: { type: "string" },
    calm: { type: "boolean", default: false },
    help: { type: "boolean", default: false }
  }
})
if (values.help) {
  console.log(
    "pnpm soak [--tickets N (10000)] [--workers N (2)] [--max-minutes M] [--seed S] [--calm (no faults, no kills)]"
  )
  process.exit(0)
}
const count = Number(values.tickets)
const workers = Number(values.workers)
if (!Number.isSafeInteger(count) || count < 1) throw new Error("--tickets must be a positive whole number")
if (!Number.isSafeInteger(workers) || workers < 1 || workers > 8) throw new Error("--workers must be 1 to 8")
const maxMinutes = Number(values["max-minutes"] ?? Math.max(10, Math.ceil(count / 400)))
const deadline = Date.now() + maxMinutes * 60_000

// A small seeded generator, so a run's sequence of faults and kills can be replayed.
let state = Number(values.seed ?? Date.now() % 2 ** 31) >>> 0
const seed = state
const random = () => {
  state = (state + 0x6d2b79f5) >>> 0
  let t = state
  t = Math.imul(t ^ (t >>> 15), t | 1)
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
  return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32
}
const between = (min: number, max: number) => min + Math.floor(random() * (max - min + 1))
const log = (text: string) => console.log(`[soak ${((Date.now() - started) / 1000).toFixed(1)}s] ${text}`)

if (!programsCached()) {
  console.log("soak: the Bubblegum programs are not in the cache; run pnpm programs:fetch --rpc <url> first")
  process.exit(2)
}

const started = Date.now()
const stack = await startStack({ localnet: { slotIntervalMs: 100 } })
const auditor = makeAuditor({ databaseUrl: stack.databaseUrl, rpcUrl: stack.localnet.rpcUrl })
const services: Array<ServiceProcess> = []
for (let i = 1; i <= workers; i++) {
  services.push(
    await stack.service(`worker-${i}`, {
      WORKER_CONCURRENCY: "16",
      WORKER_BATCH: "32",
      LEASE_MS: "6000",
      RECOVERY_INTERVAL_MS: "3000",
      LOG_LEVEL: "warn"
    })
  )
}
let exitCode = 0
try {
  await Promise.all(services.map((s) => s.start()))
  log(`${workers} workers up; seed ${seed}; ${count} tickets; at most ${maxMinutes} min`)

  // Faults and kills until the tickets are in and minted, one thing at a time.
  const faultsApplied: Record<string, number> = {}
  let kills = 0
  let faultTurn = 0
  const firstFault = between(0, 4)
  let chaos = !values.calm
  const chaosLoop = (async () => {
    while (chaos && Date.now() < deadline) {
      await sleep(between(2_000, 5_000))
      if (!chaos) break
      const roll = random()
      if (roll < 0.3) {
        const running = services.filter((s) => s.running)
        if (running.length < 1) continue
        const victim = running[between(0, running.length - 1)]!
        await victim.kill()
        kills++
        log(`SIGKILL ${victim.name}`)
        await sleep(between(500, 3_000))
        await victim
          .start()
          .catch((error: unknown) => log(`restart of ${victim.name} failed: ${String(error)}`))
        continue
      }
      const faults = [
        {
          name: "429",
          rule: { action: { kind: "rateLimit" }, probability: 0.3, forMs: between(2_000, 5_000) }
        },
        {
          name: "hold",
          rule: { action: { kind: "hold", maxMs: 10_000 }, probability: 0.2, forMs: between(2_000, 5_000) }
        },
        {
          name: "drop",
          rule: {
            methods: ["sendTransaction"],
            action: { kind: "dropResponse" },
            probability: 0.5,
            forMs: between(3_000, 6_000)
          }
        },
        {
          name: "lag",
          rule: {
            methods: ["getBlockHeight", "getLatestBlockhash"],
            action: { kind: "lag", blocks: between(10, 100) },
            forMs: between(3_000, 8_000)
          }
        },
        { name: "down", rule: { action: { kind: "down" }, forMs: between(500, 2_500) } }
      ] as const
      // Every kind in turn (from a random start), so even a short run meets each of them.
      const fault = faults[(firstFault + faultTurn++) % faults.length]!
      stack.proxy.add(fault.rule)
      faultsApplied[fault.name] = (faultsApplied[fault.name] ?? 0) + 1
    }
  })()

  const submission = await submit(
    () => services.filter((s) => s.running).map((s) => s.url),
    stack.secret,
    tickets("soak", count),
    { batchSize: 500, concurrency: 2, deadlineMs: deadline - Date.now() }
  )
  log(`accepted ${submission.accepted.length} of ${count}`)

  let lastLog = 0
  const counts = await settled(auditor.counts, {
    timeoutMs: Math.max(1_000, deadline - Date.now()),
    onPoll: (c) => {
      if (Date.now() - lastLog > 10_000) {
        lastLog = Date.now()
        log(`pending ${c.pending}, minting ${c.minting}, completed ${c.completed}, failed ${c.failed}`)
      }
    }
  }).catch((error: unknown) => {
    log(String(error))
    exitCode = 1
    return undefined
  })
  chaos = false
  await chaosLoop
  stack.proxy.clear()
  // A process killed last may still be restarting: every worker ends up running, then stops.
  for (const service of services) if (!service.running) await service.start().catch(() => undefined)
  if (counts === undefined) {
    // Out of time: give the workers a last calm minute to settle what they hold.
    await settled(auditor.counts, { timeoutMs: 60_000 }).catch(() => undefined)
  }
  const mintedAt = Date.now()
  await Promise.all(services.map((s) => s.stop()))

  const report = await stack.reconcileOnce().catch((error: unknown) => {
    log(String(error))
    return undefined
  })
  const audit = await auditor.audit(submission.accepted)
  const durationS = Math.round((mintedAt - started) / 100) / 10
  const peakRssMb: Record<string, number> = Object.fromEntries(
    services.map((s) => [s.name, Math.round(s.peakRssMb)])
  )
  peakRssMb["soak (localnet, proxy, client)"] = Math.round(process.resourceUsage().maxRSS / 1024)
  const result = {
    tickets: count,
    accepted: submission.accepted.length,
    completed: audit.completed,
    failed: audit.failed,
    failedByReason: audit.failedByReason,
    leavesOnChain: audit.leaves,
    trees: audit.trees,
    doubleMints: audit.doubleMints.length,
    lost: audit.lost,
    orphanLeaves: audit.orphanLeaves.length,
    resigned: audit.resigns.length,
    unjustifiedResigns: audit.resigns.filter((r) => !r.justified).length,
    reconciliation: report?.counts.byReason ?? null,
    kills,
    faults: faultsApplied,
    durationS,
    ticketsPerSecond: Math.round((audit.completed / durationS) * 10) / 10,
    peakRssMb,
    seed
  }
  console.log("")
  console.log(`accepted        ${result.accepted} of ${count}`)
  console.log(`completed       ${result.completed}`)
  console.log(`failed          ${result.failed} ${JSON.stringify(result.failedByReason)}`)
  console.log(`leaves on chain ${result.leavesOnChain} in ${result.trees} tree(s)`)
  console.log(`double mints    ${result.doubleMints} (must be 0)`)
  console.log(`lost            ${result.lost} (must be 0)`)
  console.log(
    `re-signed       ${result.resigned} (after an expiry or a failed landing; unjustified: ${result.unjustifiedResigns})`
  )
  console.log(`reconciliation  ${JSON.stringify(result.reconciliation)}`)
  console.log(`chaos           ${kills} kills, faults ${JSON.stringify(faultsApplied)}`)
  console.log(`duration        ${durationS} s (${result.ticketsPerSecond} mints/s)`)
  console.log(`peak RSS (MB)   ${JSON.stringify(peakRssMb)}`)
  if (
    result.doubleMints > 0 ||
    result.lost > 0 ||
    result.unjustifiedResigns > 0 ||
    result.accepted !== count ||
    result.accepted !== result.completed + result.failed
  )
    exitCode = 1
  console.log(JSON.stringify(result))
} finally {
  await auditor.dispose().catch(() => undefined)
  await stack.close()
}
process.exit(exitCode)
