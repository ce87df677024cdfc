/**
 * `pnpm start` on its embedded defaults, as a fresh machine runs it: no DATABASE_URL, no
 * secret, no keypair. PGlite under the data folder, the local devnet (or, without the program
 * binaries, the simulated chain), a generated secret that signs a mint which completes; and
 * after a restart the data is still there.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { NodeCrypto } from "@effect/platform-node"
import { MintRequest } from "@tickettoken/minting-core"
import { MintingClient } from "@tickettoken/minting-core/client"
import { Net } from "@tickettoken/minting-service-kit"
import { Effect, Layer, Redacted } from "effect"
import { afterAll, describe, expect, it } from "vitest"

const dataDir = mkdtempSync(join(tmpdir(), "tt-embedded-"))
// An existing data folder left open, as a fresh checkout or a careless copy would leave it.
chmodSync(dataDir, 0o755)
afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

const crypto = Layer.mergeAll(NodeCrypto.layerDigest, NodeCrypto.layerMac)
const run = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.runPromise(effect.pipe(Effect.provide(crypto)) as Effect.Effect<A, E>)

/** Paths under `dir` that group or others may read, write or enter. */
const openToOthers = (dir: string): Array<string> => {
  const loose: Array<string> = []
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name)
    if ((statSync(path).mode & 0o077) !== 0) loose.push(path)
  }
  return loose
}

/** Starts the service as `pnpm start` does, with only a port and the data folder chosen. */
const start = async (port: number) => {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    DATA_DIR: dataDir,
    LOCALNET_PORT: String(await Net.freePort())
  }
  for (const name of [
    "DATABASE_URL",
    "DB_HOST",
    "INTERNAL_AUTH_SECRETS",
    "SOLANA_RPC_URL",
    "SOLANA_KEYPAIR",
    "DB",
    "CHAIN",
    "PUBLIC_BASE_URL"
  ]) {
    delete env[name]
  }
  const child = spawn(process.execPath, ["src/main.ts"], {
    cwd: join(import.meta.dirname, ".."),
    env,
    stdio: ["ignore", "pipe", "pipe"]
  })
  const output: Array<string> = []
  child.stdout!.on("data", (chunk: Buffer) => output.push(chunk.toString()))
  child.stderr!.on("data", (chunk: Buffer) => output.push(chunk.toString()))
  const deadline = Date.now() + 60_000
  while (!output.join("").includes("Mint one ticket")) {
    if (Date.now() > deadline || child.exitCode !== null) {
      // A service that never came up must not outlive the test.
      child.kill("SIGKILL")
      throw new Error(`did not start:\n${output.join("")}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  return { child, output }
}

const stop = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    child.once("exit", (code) => resolve(code))
    child.kill("SIGTERM")
  })

describe("the embedded start", () => {
  it("generates a secret, mints a signed ticket, stops cleanly, and keeps its data across a restart", async () => {
    const port = await Net.freePort()
    const baseUrl = `http://127.0.0.1:${port}`
    const first = await start(port)
    const secret = readFileSync(join(dataDir, "internal-secret"), "utf8").trim()
    // Issue 11, item 11: the output names the file, never the secret; the data is private.
    expect(first.output.join("")).not.toContain(secret)
    expect(first.output.join("")).toContain(join(dataDir, "internal-secret"))
    expect(statSync(dataDir).mode & 0o777).toBe(0o700)
    expect(statSync(join(dataDir, "internal-secret")).mode & 0o777).toBe(0o600)
    expect(openToOthers(join(dataDir, "pglite"))).toEqual([])
    // The console works on the embedded defaults: a JWT secret generated beside it, never printed.
    const jwtSecret = readFileSync(join(dataDir, "jwt-secret"), "utf8").trim()
    expect(jwtSecret).toMatch(/^[0-9a-f]{64}$/)
    expect(statSync(join(dataDir, "jwt-secret")).mode & 0o777).toBe(0o600)
    expect(first.output.join("")).not.toContain(jwtSecret)
    expect(first.output.join("")).toContain(`${baseUrl}/console`)
    expect((await fetch(`${baseUrl}/console`, { redirect: "manual" })).status).toBe(303)
    const client = MintingClient.make({ baseUrl, secret: Redacted.make(secret) })
    await run(
      client.requestMint(
        new MintRequest({
          ticketId: "embedded-1",
          orderId: "o",
          eventId: "e",
          owner: "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin"
        })
      )
    )
    let status = "pending"
    for (let i = 0; i < 150 && status !== "completed" && status !== "failed"; i++) {
      await new Promise((r) => setTimeout(r, 100))
      status = (await run(client.getMint("embedded-1"))).status
    }
    expect(status).toBe("completed")
    const chainBefore = await (await fetch(`${baseUrl}/health/chain`)).json()
    expect(await stop(first.child)).toBe(0)

    const second = await start(port)
    try {
      expect((await run(client.getMint("embedded-1"))).status).toBe("completed")
      // The local devnet resumes its chain from the data folder: the same cluster, the same tree
      // still minting (an earlier version retired every tree at each start and made a new one).
      if (chainBefore.kind === "localnet") {
        const chainAfter = await (await fetch(`${baseUrl}/health/chain`)).json()
        expect(chainAfter.status).toBe("ok")
        expect(chainAfter.genesisHash).toBe(chainBefore.genesisHash)
        expect(chainAfter.activeTree.address).toBe(chainBefore.activeTree.address)
        expect(second.output.join("")).not.toContain("tree missing")
      }
    } finally {
      expect(await stop(second.child)).toBe(0)
    }
  }, 120_000)
})
