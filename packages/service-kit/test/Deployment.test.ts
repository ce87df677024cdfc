/** Every refusal of the configuration check, and the starts it lets through. */

import { Option, Redacted } from "effect"
import { describe, expect, it } from "vitest"
import * as Deployment from "../src/Deployment.ts"

const none: Deployment.Settings = {
  db: Option.none(),
  chain: Option.none(),
  databaseUrl: Option.none(),
  dbHost: Option.none(),
  dbPoolMax: Option.none(),
  solanaRpcUrl: Option.none(),
  solanaKeypair: Option.none(),
  publicBaseUrl: Option.none(),
  dataDir: ".data",
  localnetPort: 8899
}

const settings = (values: Partial<Record<keyof Deployment.Settings, string>>): Deployment.Settings => ({
  ...none,
  ...(values.db !== undefined ? { db: Option.some(values.db) } : {}),
  ...(values.chain !== undefined ? { chain: Option.some(values.chain) } : {}),
  ...(values.databaseUrl !== undefined
    ? { databaseUrl: Option.some(Redacted.make(values.databaseUrl)) }
    : {}),
  ...(values.dbHost !== undefined ? { dbHost: Option.some(values.dbHost) } : {}),
  ...(values.solanaRpcUrl !== undefined
    ? { solanaRpcUrl: Option.some(Redacted.make(values.solanaRpcUrl)) }
    : {}),
  ...(values.solanaKeypair !== undefined
    ? { solanaKeypair: Option.some(Redacted.make(values.solanaKeypair)) }
    : {}),
  ...(values.publicBaseUrl !== undefined ? { publicBaseUrl: Option.some(values.publicBaseUrl) } : {})
})

const cached = { programsCached: true }
const uncached = { programsCached: false }
const pg = "postgres://minting:s3cret@db.internal:5432/tickettoken_db"
const devnet = "https://rpc.example.com/v2/api-key-123?token=abc"
const production = {
  databaseUrl: pg,
  solanaRpcUrl: devnet,
  solanaKeypair: "/etc/minting/fee-payer.json",
  publicBaseUrl: "https://mint.tickettoken.example"
}

const problems = (s: Deployment.Settings, facts: Deployment.Facts, role: Deployment.Role = "http") =>
  Deployment.decide(s, facts, role).problems

describe("Deployment.decide", () => {
  it("runs the embedded defaults with no configuration at all", () => {
    expect(Deployment.decide(none, cached, "http")).toMatchObject({
      database: "pglite",
      chain: "localnet",
      problems: []
    })
    expect(Deployment.decide(none, uncached, "http")).toMatchObject({
      database: "pglite",
      chain: "simulated",
      problems: []
    })
  })

  it("runs a production configuration", () => {
    expect(Deployment.decide(settings(production), uncached, "http")).toMatchObject({
      database: "postgresql",
      chain: "cluster",
      problems: []
    })
  })

  it("refuses a PostgreSQL pool of one, for both apps: the leader lock would hold its only connection", () => {
    const pool = (n: number) => ({ ...settings(production), dbPoolMax: Option.some(n) })
    for (const role of ["http", "reconciler"] as const) {
      expect(problems(pool(1), uncached, role)).toEqual([
        "DB_POOL_MAX is 1: it must be at least 2, as the leader lock holds one connection while its work uses the others"
      ])
      expect(problems(pool(2), uncached, role)).toEqual([])
    }
    // PGlite has its own pool of one and an in-process lock: DB_POOL_MAX does not apply.
    expect(problems({ ...none, dbPoolMax: Option.some(1) }, cached)).toEqual([])
  })

  it("refuses PostgreSQL with a simulated chain unless CHAIN=simulated says so", () => {
    const [problem, ...rest] = problems(settings({ databaseUrl: pg }), uncached)
    expect(rest).toEqual([])
    expect(problem).toMatch(/PostgreSQL database is configured but the chain would be SIMULATED/)
    expect(problems(settings({ dbHost: "db.internal" }), uncached)).toHaveLength(1)
    expect(problems(settings({ databaseUrl: pg, chain: "simulated" }), uncached)).toEqual([])
    // With the programs cached the in-process local devnet mints for real.
    expect(problems(settings({ databaseUrl: pg }), cached)).toEqual([])
  })

  it("refuses a cluster with the embedded database unless DB=embedded says so", () => {
    const local = { solanaRpcUrl: "http://127.0.0.1:8899", solanaKeypair: "/k.json" }
    expect(problems(settings(local), uncached)).toEqual([
      expect.stringMatching(/SOLANA_RPC_URL is set but the database would be the embedded PGlite/)
    ])
    expect(problems(settings({ ...local, db: "embedded" }), uncached)).toEqual([])
    // The reconciler too: its reports would be about a folder, not the service's database.
    expect(problems(settings({ solanaRpcUrl: devnet }), uncached, "reconciler")).toHaveLength(1)
  })

  it("refuses a missing or local PUBLIC_BASE_URL on a cluster that is not local", () => {
    const { publicBaseUrl: _, ...rest } = production
    expect(problems(settings(rest), uncached)).toEqual([expect.stringMatching(/PUBLIC_BASE_URL is not set/)])
    for (const local of ["http://localhost:3000", "http://127.0.0.1:3000", "http://[::1]:3000"]) {
      expect(problems(settings({ ...production, publicBaseUrl: local }), uncached)).toEqual([
        expect.stringMatching(/PUBLIC_BASE_URL points at/)
      ])
    }
    expect(problems(settings({ ...production, publicBaseUrl: "not a url" }), uncached)).toEqual([
      expect.stringMatching(/is not an http\(s\) URL/)
    ])
    // A local devnet's mints never leave the machine: localhost is fine there.
    expect(problems(settings({ ...rest, solanaRpcUrl: "http://127.0.0.1:8899" }), uncached)).toEqual([])
  })

  it("refuses a cluster without a fee payer, or with one that does not load", () => {
    const { solanaKeypair: _, ...rest } = production
    expect(problems(settings(rest), uncached)).toEqual([
      expect.stringMatching(/SOLANA_KEYPAIR .* is not set/)
    ])
    expect(
      problems(settings(production), {
        programsCached: false,
        feePayerProblem: "could not read the keypair file /x (ENOENT)"
      })
    ).toEqual([expect.stringMatching(/the fee payer does not load: could not read/)])
    // The reconciler never signs.
    expect(problems(settings({ databaseUrl: pg, solanaRpcUrl: devnet }), uncached, "reconciler")).toEqual([])
  })

  it("names every problem at once, in one message", () => {
    const all = problems(settings({ solanaRpcUrl: devnet }), uncached)
    expect(all).toHaveLength(3)
    const message = Deployment.refusal(all)
    expect(message).toMatch(/^configuration refused \(3 problems\): 1\) .*; 2\) .*; 3\) /)
    expect(message).not.toContain("api-key-123")
  })

  it("refuses contradictions and unknown values", () => {
    expect(problems(settings({ ...production, chain: "simulated" }), uncached)).toEqual([
      expect.stringMatching(/CHAIN=simulated but SOLANA_RPC_URL is set/)
    ])
    expect(problems(settings({ chain: "cluster" }), uncached)).toEqual([
      expect.stringMatching(/CHAIN=cluster but/)
    ])
    expect(problems(settings({ chain: "localnet" }), uncached)).toEqual([expect.stringMatching(/not cached/)])
    expect(problems(settings({ db: "embedded", databaseUrl: pg, chain: "simulated" }), uncached)).toEqual([
      expect.stringMatching(/DB=embedded but DATABASE_URL/)
    ])
    expect(problems(settings({ db: "postgres" }), cached)).toEqual([expect.stringMatching(/DB=postgres but/)])
    expect(problems(settings({ db: "mysql", chain: "mainnet" }), cached)).toHaveLength(2)
  })
})
