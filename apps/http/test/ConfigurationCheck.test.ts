/**
 * A start that would pretend is refused before anything starts: exit 2, one JSON line naming
 * each problem, no secret in it. A start that may go on logs its effective configuration once,
 * secrets redacted. The rules themselves are tested case by case in the service kit.
 */
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { TestDatabase } from "@tickettoken/minting-postgres/testing"
import { Keypairs, Net } from "@tickettoken/minting-service-kit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

const dir = mkdtempSync(join(tmpdir(), "tt-config-"))
const keypair = join(dir, "fee-payer.json")
writeFileSync(keypair, Keypairs.newKeypairJson(), { mode: 0o600 })
let database: TestDatabase.TestDatabase
beforeAll(async () => {
  database = await TestDatabase.create("config")
})
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true })
  await database?.drop()
})

const secrets = {
  dbPassword: "pg-password-never-logged",
  rpcKey: "rpc-api-key-never-logged",
  hmac: "hmac-secret-never-logged",
  jwt: "jwt-secret-never-logged"
}
const remoteRpc = `https://rpc.example.com/v1/${secrets.rpcKey}?api-key=${secrets.rpcKey}`
const postgresUrl = `postgres://postgres:${secrets.dbPassword}@127.0.0.1:1/nowhere`

interface Line {
  readonly level: string
  readonly message: string
  readonly [key: string]: unknown
}

/** Runs main.ts with only `env` (and PATH/HOME) until it exits or `until` is logged. */
const start = (env: Record<string, string>, until?: string) =>
  new Promise<{ code: number | null; lines: Array<Line>; text: string }>((resolve) => {
    const child = spawn(process.execPath, ["src/main.ts"], {
      cwd: join(import.meta.dirname, ".."),
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "",
        DATA_DIR: join(dir, "data"),
        SOLANA_PROGRAMS_DIR: join(dir, "no-programs"),
        ...env
      },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let text = ""
    const collect = (chunk: Buffer) => {
      text += chunk.toString()
      if (until !== undefined && text.includes(until)) child.kill("SIGTERM")
    }
    child.stdout!.on("data", collect)
    child.stderr!.on("data", collect)
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000)
    child.once("exit", (code) => {
      clearTimeout(timer)
      const lines = text
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line) as Line)
      resolve({ code, lines, text })
    })
  })

const refused = async (env: Record<string, string>, expected: ReadonlyArray<RegExp>) => {
  const { code, lines, text } = await start(env)
  expect(code).toBe(2)
  expect(lines).toHaveLength(1)
  const [line] = lines
  expect(line?.level).toBe("ERROR")
  expect(typeof line?.message).toBe("string")
  expect(line?.message).toMatch(/^configuration refused/)
  expect(line?.problems).toHaveLength(expected.length)
  const problems = (line?.problems ?? []) as Array<string>
  for (const [i, pattern] of expected.entries()) expect(problems[i]).toMatch(pattern)
  for (const secret of Object.values(secrets)) expect(text).not.toContain(secret)
}

const cluster = {
  DATABASE_URL: postgresUrl,
  SOLANA_RPC_URL: remoteRpc,
  SOLANA_KEYPAIR: keypair,
  PUBLIC_BASE_URL: "https://mint.tickettoken.example"
}

describe("the start-up configuration check", () => {
  it("refuses PostgreSQL with a simulated chain unless CHAIN=simulated", () =>
    refused({ DATABASE_URL: postgresUrl }, [/chain would be SIMULATED/]))

  it("refuses a cluster with the embedded database unless DB=embedded", () =>
    refused({ ...cluster, DATABASE_URL: "" }, [/database would be the embedded PGlite/]))

  it("refuses a missing PUBLIC_BASE_URL, and a localhost one, on a cluster", async () => {
    await refused({ ...cluster, PUBLIC_BASE_URL: "" }, [/PUBLIC_BASE_URL is not set/])
    await refused({ ...cluster, PUBLIC_BASE_URL: "http://localhost:3000" }, [
      /PUBLIC_BASE_URL points at localhost/
    ])
  })

  it("refuses a missing fee payer, and one that does not load", async () => {
    await refused({ ...cluster, SOLANA_KEYPAIR: "" }, [/SOLANA_KEYPAIR .* is not set/])
    await refused({ ...cluster, SOLANA_KEYPAIR: join(dir, "missing.json") }, [
      /fee payer does not load: .*ENOENT/
    ])
  })

  it("names every problem in the one line", () =>
    refused({ SOLANA_RPC_URL: remoteRpc }, [
      /embedded PGlite/,
      /PUBLIC_BASE_URL is not set/,
      /SOLANA_KEYPAIR/
    ]))

  it("logs the effective configuration once, every secret redacted", async () => {
    const port = await Net.freePort()
    const url = new URL(database.urlText)
    url.username = "postgres"
    url.password = secrets.dbPassword
    const { lines, text } = await start(
      {
        PORT: String(port),
        DATABASE_URL: url.toString(),
        CHAIN: "simulated",
        INTERNAL_AUTH_SECRETS: `${secrets.hmac},${secrets.hmac}-old`,
        JWT_SECRET: secrets.jwt,
        SOLANA_KEYPAIR: keypair
      },
      "listening on"
    )
    for (const secret of Object.values(secrets)) expect(text).not.toContain(secret)
    const configuration = lines.filter((line) => line.message === "configuration")
    expect(configuration).toHaveLength(1)
    expect(configuration[0]).toMatchObject({ database: "postgresql", chain: "simulated" })
    const settings = configuration[0]?.settings as Record<string, unknown>
    expect(settings.internalSecrets).toBe("<redacted> (2)")
    expect(settings.jwtSecret).toBe("<redacted>")
    expect(settings.solanaKeypair).toBe("<redacted>")
    expect(settings.databaseUrl).toMatch(/^postgres:\/\/<redacted>@127\.0\.0\.1:5432\//)
    expect((settings.postgres as Record<string, unknown>).schema).toBe("minting")
    // Every line: one JSON object, its message a string.
    expect(lines.length).toBeGreaterThan(3)
    for (const line of lines) expect(typeof line.message).toBe("string")
  })
})
