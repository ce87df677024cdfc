/**
 * After `pnpm migrate:legacy --apply`, the first reconciliation pass says what the chain proves
 * of the old service's mints and what it does not: on real PostgreSQL built from the old
 * service's DDL, against a local devnet where one old signature really landed (an airdrop) and
 * the others never did (one random, one the old service's mock). Nothing imported is completed.
 */
import { spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { join } from "node:path"
import { PgClient } from "@effect/sql-pg"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Base58 } from "@tickettoken/minting-core"
import { LegacySeed } from "@tickettoken/minting-postgres/testing"
import { type Localnet, startLocalnet } from "@tickettoken/solana-localnet"
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { keypair } from "./Chains.ts"
import { startReconciler } from "./Reconcilers.ts"
import { createDatabase, type TestDatabase } from "./TestDatabase.ts"

const script = join(import.meta.dirname, "../../../packages/adapters-postgres/scripts/migrate-legacy.ts")

let database: TestDatabase
let localnet: Localnet
let landed: string
const ghost = Base58.encode(randomBytes(64))
const mock = Base58.encode(new TextEncoder().encode("mock-sig-1700000000000"))

const rpc = async (method: string, params: Array<unknown>) => {
  const response = await fetch(localnet.rpcUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params })
  })
  return ((await response.json()) as { result: unknown }).result
}

const sql = <A>(effect: Effect.Effect<A, unknown, SqlClient.SqlClient>) =>
  Effect.runPromise(
    effect.pipe(Effect.provide(PgClient.layer({ url: database.url, maxConnections: 1 }))) as Effect.Effect<A>
  )

const migrate = (args: ReadonlyArray<string>) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [script, ...args], {
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", DATABASE_URL: database.urlText },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout!.on("data", (c: Buffer) => (stdout += c.toString()))
    child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()))
    child.once("exit", (code) => resolve({ code, stdout, stderr }))
  })

beforeAll(async () => {
  database = await createDatabase()
  localnet = await startLocalnet({ port: 0, loadPrograms: false, slotIntervalMs: 50 })
  landed = (await rpc("requestAirdrop", [keypair().address, 1_000_000])) as string
  for (let i = 0; i < 100; i++) {
    const status = (await rpc("getSignatureStatuses", [[landed]])) as { value: Array<unknown> }
    if (status.value[0] !== null) break
    await new Promise((r) => setTimeout(r, 50))
  }
  await sql(
    Effect.gen(function* () {
      const db = yield* SqlClient.SqlClient
      for (const statement of LegacySeed.ddl) yield* db.unsafe(statement)
      yield* db.unsafe(`INSERT INTO public.nft_mints (ticket_id, transaction_signature, mint_address, status) VALUES
        ('t-landed', '${landed}', 'MockMint1', 'completed'),
        ('t-ghost', '${ghost}', 'MockMint2', 'completed'),
        ('t-mock', '${mock}', 'MockMint3', 'completed'),
        ('t-pending', NULL, NULL, 'pending')`)
    })
  )
})
afterAll(async () => {
  await localnet?.close()
  await database?.drop()
})

describe("the first pass after a legacy import", () => {
  it("reports what the chain proves and what it does not, and completes nothing", async () => {
    const dry = await migrate([])
    assert.strictEqual(dry.code, 0, dry.stderr)
    assert.match(dry.stdout, /DRY RUN/)
    assert.match(dry.stdout, /Mints: would import 4; already there 0/)
    const applied = await migrate(["--apply"])
    assert.strictEqual(applied.code, 0, applied.stderr)
    assert.match(applied.stdout, /Mints: imported 4; already there 0/)
    const again = await migrate(["--apply", "--json"])
    assert.strictEqual(again.code, 0, again.stderr)
    assert.deepInclude(JSON.parse(again.stdout).mints, { created: 0, present: 4 })

    const pass = startReconciler(["--once", "--json"], {
      DATABASE_URL: database.urlText,
      SOLANA_RPC_URL: localnet.rpcUrl
    })
    assert.strictEqual(await pass.exited, 0, pass.stderr())
    const report = JSON.parse(pass.stdout()) as {
      findings: Array<{
        reasonCode: string
        action: string
        ticketId: string
        signature: string | null
        details: string
      }>
    }
    const byTicket = new Map(report.findings.map((f) => [f.ticketId, f]))
    assert.deepInclude(byTicket.get("t-landed"), {
      reasonCode: "import_unproven",
      action: "flag",
      signature: landed
    })
    assert.match(
      byTicket.get("t-landed")!.details,
      /landed at slot \d+, but no tree this service manages holds its leaf/
    )
    assert.deepInclude(byTicket.get("t-ghost"), { reasonCode: "mint_missing", action: "flag" })
    assert.match(byTicket.get("t-ghost")!.details, /none of its 1 signature\(s\) is on chain/)
    // The mock was never a signature: kept as evidence only, so nothing of it is on chain.
    assert.deepInclude(byTicket.get("t-mock"), { reasonCode: "mint_missing", action: "flag" })
    assert.match(byTicket.get("t-mock")!.details, /with no signature/)
    assert.deepInclude(byTicket.get("t-pending"), { reasonCode: "import_unproven", action: "flag" })

    const statuses = await sql(
      Effect.flatMap(SqlClient.SqlClient, (db) => db<{ status: string }>`SELECT DISTINCT status FROM mints`)
    )
    assert.deepStrictEqual(
      statuses.map((s) => s.status),
      ["imported"]
    )
  })
})
