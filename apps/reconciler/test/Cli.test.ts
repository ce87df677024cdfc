/** The pieces of the command line that need no database: intervals, arguments, the summary. */
import { assert, describe, it } from "@effect/vitest"
import { Finding, Reconciliation, ReconciliationReport } from "@tickettoken/minting-core"
import { DateTime } from "effect"
import { parseAdopt, parseCommand } from "../src/Cli.ts"
import { parseInterval } from "../src/Interval.ts"
import { foundProblems, summary, toJson, worstFirst } from "../src/Summary.ts"

describe("RECONCILE_INTERVAL", () => {
  it("reads seconds, milliseconds, minutes, hours and bare milliseconds", () => {
    assert.strictEqual(parseInterval("60s"), 60_000)
    assert.strictEqual(parseInterval("500ms"), 500)
    assert.strictEqual(parseInterval("2m"), 120_000)
    assert.strictEqual(parseInterval("1h"), 3_600_000)
    assert.strictEqual(parseInterval("60000"), 60_000)
    assert.strictEqual(parseInterval(" 1.5s "), 1_500)
    assert.strictEqual(parseInterval("10S"), 10_000)
  })

  it("refuses anything else", () => {
    for (const text of ["", "soon", "-5s", "0", "5 minutes", "1d", "s"]) {
      assert.isUndefined(parseInterval(text), text)
    }
  })
})

describe("arguments", () => {
  it("the daemon by default; --once with its options", () => {
    assert.deepStrictEqual(parseCommand([]), {
      once: false,
      repair: true,
      strict: false,
      json: false,
      limit: 20,
      help: false,
      acceptMassRepair: false
    })
    assert.deepStrictEqual(parseCommand(["--once", "--no-repair", "--strict", "--json", "--limit", "5"]), {
      once: true,
      repair: false,
      strict: true,
      json: true,
      limit: 5,
      help: false,
      acceptMassRepair: false
    })
    assert.strictEqual(
      (parseCommand(["--once", "--accept-mass-repair"]) as { acceptMassRepair: boolean }).acceptMassRepair,
      true
    )
    assert.strictEqual(parseCommand(["--accept-mass-repair"]), "--accept-mass-repair applies to --once")
  })

  it("says what is wrong", () => {
    assert.match(parseCommand(["--bogus"]) as string, /Unknown option/)
    assert.match(parseCommand(["--once", "--limit", "x"]) as string, /--limit/)
    assert.match(parseCommand(["--json"]) as string, /apply to --once/)
  })
})

const at = (ms: number) => DateTime.makeUnsafe(ms)

const finding = (reasonCode: Reconciliation.ReasonCode, action: Finding["action"], ticketId: string | null) =>
  new Finding({ reasonCode, action, mintId: null, ticketId, signature: null, assetId: null, details: "why" })

const report = (findings: ReadonlyArray<Finding>, success = 10) =>
  new ReconciliationReport({
    id: "r-1",
    startedAt: at(1_000),
    finishedAt: at(3_500),
    counts: Reconciliation.count([
      ...findings,
      ...Array.from({ length: success }, () => finding("success", "none", "ok"))
    ]),
    findings,
    rpcCalls: 12,
    examined: 10 + findings.length
  })

describe("summary", () => {
  const findings = [
    finding("db_orphaned", "requeue", "stuck"),
    finding("success", "mark_completed", "landed"),
    finding("chain_orphaned", "flag", null),
    finding("mint_missing", "mark_missing", "ghost"),
    finding("metadata_mismatch", "flag", "altered"),
    finding("transaction_failed", "flag", "broken")
  ]

  it("orders findings worst first, a repaired success last", () => {
    assert.deepStrictEqual(
      worstFirst(findings).map((f) => f.reasonCode),
      ["mint_missing", "transaction_failed", "metadata_mismatch", "chain_orphaned", "db_orphaned", "success"]
    )
  })

  it("counts per reason code, duration, RPC requests, examined, and the worst findings capped", () => {
    const text = summary(report(findings), { repair: true, limit: 2 })
    assert.match(text, /success\s+11\n/)
    assert.match(text, /mint_missing\s+1\n/)
    assert.match(text, /duration\s+2\.500 s/)
    assert.match(text, /RPC requests\s+12/)
    assert.match(text, /examined\s+16/)
    assert.match(text, /Worst findings \(2 of 6\):/)
    assert.match(text, /ghost/)
    assert.notMatch(text, /stuck/)
  })

  it("says so when there is nothing but success", () => {
    const clean = report([])
    assert.match(summary(clean, { repair: false, limit: 20 }), /No findings beyond plain successes/)
    assert.isFalse(foundProblems(clean))
    assert.isFalse(foundProblems(report([finding("success", "mark_completed", "landed")])))
    assert.isTrue(foundProblems(report(findings)))
  })

  it("JSON is the report as the HTTP API serves it", () => {
    const json = JSON.parse(toJson(report(findings))) as { startedAt: string; counts: { success: number } }
    assert.strictEqual(json.startedAt, "1970-01-01T00:00:01.000Z")
    assert.strictEqual(json.counts.success, 11)
  })
})

describe("adopt", () => {
  it("takes one asset id and the ids the chain does not hold", () => {
    assert.deepStrictEqual(parseAdopt(["Asset1", "--order-id", "o-1", "--event-id", "e-1"]), {
      assetId: "Asset1",
      orderId: "o-1",
      eventId: "e-1",
      collectionId: undefined,
      metadata: undefined
    })
    assert.deepStrictEqual(
      (
        parseAdopt(["A", "--order-id", "o", "--event-id", "e", "--metadata", '{"name":"VIP"}']) as {
          metadata: unknown
        }
      ).metadata,
      { name: "VIP" }
    )
    assert.include(parseAdopt(["A"]) as string, "--order-id and --event-id")
    assert.strictEqual(parseAdopt([]), "adopt takes one asset id")
    assert.strictEqual(
      parseAdopt(["A", "B", "--order-id", "o", "--event-id", "e"]),
      "adopt takes one asset id"
    )
    assert.include(
      parseAdopt(["A", "--order-id", "o", "--event-id", "e", "--metadata", "{"]) as string,
      "JSON"
    )
  })
})
