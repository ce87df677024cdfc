// `pnpm localnet` as an operator runs it: SIGTERM or SIGINT to pnpm must stop the server.
// The root script execs node, so no shell sits between pnpm's forwarded signal and the server
// (with `sh -c node ...`, killing pnpm left the node process running, orphaned, on its port).
import { type ChildProcess, spawn } from "node:child_process"
import { once } from "node:events"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { describe, expect, it } from "vitest"
import { eventually, rpc } from "./helpers.ts"

const ROOT = resolve(import.meta.dirname, "../../..")

/** Starts `pnpm localnet` on a free port; resolves with the process and its RPC URL. */
const startCli = async (args: ReadonlyArray<string> = []) => {
  const child = spawn(
    "pnpm",
    ["localnet", "--port", "0", "--programs-dir", mkdtempSync(join(tmpdir(), "no-programs-")), ...args],
    { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] }
  )
  let output = ""
  child.stdout!.on("data", (chunk: Buffer) => {
    output += chunk.toString()
  })
  child.stderr!.on("data", (chunk: Buffer) => {
    output += chunk.toString()
  })
  const rpcUrl = await eventually(() => /JSON-RPC (http:\/\/\S+)/.exec(output)?.[1], 20_000).catch(() => {
    throw new Error(`pnpm localnet did not start:\n${output}`)
  })
  return { child, rpcUrl, output: () => output }
}

const isUp = async (url: string): Promise<boolean> => {
  try {
    await rpc(url, "getHealth")
    return true
  } catch {
    return false
  }
}

const stopsOn = async (signal: NodeJS.Signals) => {
  const { child, rpcUrl } = await startCli()
  expect(await isUp(rpcUrl)).toBe(true)
  const exited = once(child as ChildProcess, "exit")
  child.kill(signal)
  await exited
  // The server, not just pnpm, is gone: its port refuses connections.
  await eventually(async () => ((await isUp(rpcUrl)) ? undefined : true), 5_000)
}

describe("pnpm localnet", () => {
  it("stops on SIGTERM", { timeout: 30_000 }, () => stopsOn("SIGTERM"))
  it("stops on SIGINT", { timeout: 30_000 }, () => stopsOn("SIGINT"))

  it("says a start without a ledger is a new chain, and resumes one kept with --ledger after SIGTERM", {
    timeout: 60_000
  }, async () => {
    const plain = await startCli()
    await eventually(() =>
      /NEW chain \(genesis \w+\); nothing is kept/.test(plain.output()) ? true : undefined
    )
    plain.child.kill("SIGTERM")
    await once(plain.child, "exit")

    const dir = mkdtempSync(join(tmpdir(), "cli-ledger-"))
    const first = await startCli(["--ledger", dir])
    await eventually(() => (first.output().includes(`NEW chain (genesis`) ? true : undefined))
    const genesis = (await rpc(first.rpcUrl, "getGenesisHash")).result
    const airdrop = await rpc(first.rpcUrl, "requestAirdrop", [
      "8N2nmrR3Nzdk18pmcxvg3n6MPQtereSyhDdiEZcu9SqU",
      1_000_000_000
    ])
    first.child.kill("SIGTERM")
    await once(first.child, "exit")

    const second = await startCli(["--ledger", dir])
    try {
      await eventually(() => (second.output().includes("RESUMED") ? true : undefined))
      expect((await rpc(second.rpcUrl, "getGenesisHash")).result).toBe(genesis)
      const status = await rpc(second.rpcUrl, "getSignatureStatuses", [
        [airdrop.result],
        { searchTransactionHistory: true }
      ])
      expect(status.result.value[0].err).toBeNull()
    } finally {
      second.child.kill("SIGTERM")
      await once(second.child, "exit")
    }
  })
})
