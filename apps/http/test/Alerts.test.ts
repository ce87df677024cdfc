/**
 * ops/alerts.yml against what the apps export: every rule complete, every metric an expression
 * names declared by the code (core, adapters, apps) and served on a real /metrics, every runbook a
 * section of docs/operations.md. promtool checks the file too when it is installed.
 */
import { execFileSync } from "node:child_process"
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { makeTestApp } from "./TestApp.ts"

const root = join(import.meta.dirname, "../../..")
const rulesText = readFileSync(join(root, "ops/alerts.yml"), "utf8")

interface Rule {
  alert: string
  expr: string
  for?: string
  severity?: string
  summary?: string
  runbook?: string
}

/** The rules, from the file's plain layout (one key a line, expressions on one line). */
const rules: Array<Rule> = []
for (const line of rulesText.split("\n")) {
  const match = /^\s*(?:- )?(alert|expr|for|severity|summary|runbook):\s*(.*)$/.exec(line)
  if (match === null) continue
  const [, key, raw] = match
  const value = raw!.replace(/^"(.*)"$/, "$1")
  if (key === "alert") rules.push({ alert: value, expr: "" })
  else Object.assign(rules.at(-1)!, { [key!]: value })
}

const sources = (dir: string): Array<string> =>
  readdirSync(dir).flatMap((name) => {
    if (name === "node_modules" || name === "test" || name.startsWith(".")) return []
    const path = join(dir, name)
    return statSync(path).isDirectory() ? sources(path) : name.endsWith(".ts") ? [path] : []
  })

/** Every metric the code declares, with the series a histogram adds. */
const declared = new Set<string>()
for (const group of ["packages", "apps"]) {
  for (const pkg of readdirSync(join(root, group))) {
    const src = join(root, group, pkg, "src")
    if (!existsSync(src)) continue
    for (const file of sources(src)) {
      for (const m of readFileSync(file, "utf8").matchAll(
        /Metric\.(counter|gauge|histogram|summary)\(\s*"([a-z_:][a-z0-9_:]*)"/g
      )) {
        declared.add(m[2]!)
        if (m[1] === "histogram") for (const s of ["_bucket", "_sum", "_count"]) declared.add(`${m[2]}${s}`)
      }
    }
  }
}

const promqlWords = new Set([
  "max",
  "min",
  "sum",
  "avg",
  "count",
  "by",
  "without",
  "time",
  "increase",
  "rate",
  "absent",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "and",
  "or",
  "unless",
  "bool",
  "offset"
])

/** The metric names an expression reads: identifiers that are no function, keyword or label. */
const metricsOf = (expr: string): Array<string> => {
  const withoutLabels = expr
    .replace(/\{[^}]*\}/g, "")
    .replace(/\[[^\]]*\]/g, "")
    .replace(/by \([^)]*\)/g, "")
  return [...withoutLabels.matchAll(/[a-z_:][a-z0-9_:]*/g)]
    .map((m) => m[0])
    .filter((word) => !promqlWords.has(word))
}

describe("ops/alerts.yml", () => {
  it("holds the alerts operators need, each complete", () => {
    expect(rules.map((r) => r.alert)).toEqual(
      expect.arrayContaining([
        "MintingTreeNearlyFull",
        "MintingFeePayerLow",
        "MintingWorkerStalled",
        "ReconciliationOpenFindings",
        "ReconciliationFailing"
      ])
    )
    for (const rule of rules) {
      expect(rule.expr, rule.alert).not.toBe("")
      expect(rule.for, rule.alert).toMatch(/^\d+[smh]$/)
      expect(["warning", "critical"], rule.alert).toContain(rule.severity)
      expect(rule.summary, rule.alert).toBeTruthy()
    }
  })

  it("reads only metrics the apps declare", () => {
    expect(declared.size).toBeGreaterThan(10)
    for (const rule of rules) {
      const names = metricsOf(rule.expr)
      expect(names.length, rule.alert).toBeGreaterThan(0)
      for (const name of names) expect(declared, `${rule.alert}: ${name}`).toContain(name)
    }
  })

  it("names series the HTTP app serves on /metrics under those very names", async () => {
    const t = makeTestApp()
    try {
      const text = await (await t.app.request("/metrics")).text()
      for (const name of ["fee_payer_lamports", "mint_queue_depth", "reconciliation_open_findings"]) {
        expect(text, name).toMatch(new RegExp(`^${name}[{ ]`, "m"))
      }
    } finally {
      await t.runtime.dispose()
    }
  })

  it("points every runbook at a section of docs/operations.md", () => {
    const doc = readFileSync(join(root, "docs/operations.md"), "utf8")
    const anchors = new Set(
      [...doc.matchAll(/^#{2,4} (.+)$/gm)].map((m) =>
        m[1]!
          .toLowerCase()
          .replace(/[^a-z0-9 -]/g, "")
          .trim()
          .replace(/ /g, "-")
      )
    )
    for (const rule of rules) {
      const anchor = rule.runbook?.split("#")[1]
      expect(anchors, `${rule.alert}: ${rule.runbook}`).toContain(anchor)
    }
  })

  // Debian's `prometheus` package ships promtool (PROMTOOL names another binary, e.g. one
  // extracted with `apt-get download prometheus && dpkg -x`).
  const promtoolBin = process.env.PROMTOOL ?? "promtool"
  const promtool = (() => {
    try {
      execFileSync(promtoolBin, ["--version"], { stdio: "ignore" })
      return true
    } catch {
      return false
    }
  })()
  if (!promtool) console.log("promtool not found: ops/alerts.yml is checked by the parser tests only")
  it.skipIf(!promtool)("passes promtool check rules", () => {
    const out = execFileSync(promtoolBin, ["check", "rules", join(root, "ops/alerts.yml")], {
      encoding: "utf8"
    })
    expect(out).toMatch(/SUCCESS: 9 rules found/)
  })
})
