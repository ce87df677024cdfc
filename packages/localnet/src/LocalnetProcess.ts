/**
 * The local devnet in a process of its own (the `solana-localnet` CLI on a free port), as a
 * validator would run: its work and the caller's then share the machine's cores, not one thread.
 * For benchmarks and tests that measure a client against a cluster.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { once } from "node:events"
import { fileURLToPath } from "node:url"

export interface LocalnetProcess {
  readonly rpcUrl: string
  readonly child: ChildProcess
  /** An airdrop of `sol` SOL to `address`, waited for until confirmed. */
  fund(address: string, sol: number): Promise<void>
  /** SIGTERM, and wait for the process to exit. */
  close(): Promise<void>
}

export interface LocalnetProcessOptions {
  /** Slot length in milliseconds (the CLI's --slot-ms). */
  readonly slotMs: number
}

// Beside this module, as source (.ts) in the workspace or built (.js) in the published package.
const cliPath = () =>
  fileURLToPath(new URL(`./cli/localnet${import.meta.url.endsWith(".ts") ? ".ts" : ".js"}`, import.meta.url))

export const spawnLocalnet = async (options: LocalnetProcessOptions): Promise<LocalnetProcess> => {
  const child = spawn(process.execPath, [cliPath(), "--port", "0", "--slot-ms", String(options.slotMs)], {
    stdio: ["ignore", "pipe", "inherit"]
  })
  const rpcUrl = await new Promise<string>((resolve, reject) => {
    let out = ""
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString()
      const match = /JSON-RPC (http:\/\/\S+)/.exec(out)
      if (match !== null) resolve(match[1]!)
    })
    child.once("exit", (code) =>
      reject(new Error(`the localnet exited (${code}) before it listened:\n${out}`))
    )
  })
  const call = async (method: string, params: ReadonlyArray<unknown>) => {
    const response = await fetch(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params })
    })
    const body = (await response.json()) as { result?: unknown; error?: { message: string } }
    if (body.error !== undefined) throw new Error(`${method}: ${body.error.message}`)
    return body.result
  }
  return {
    rpcUrl,
    child,
    fund: async (address, sol) => {
      const signature = (await call("requestAirdrop", [address, sol * 1_000_000_000])) as string
      for (;;) {
        const statuses = (await call("getSignatureStatuses", [[signature]])) as {
          value: Array<{ confirmationStatus: string } | null>
        }
        const status = statuses.value[0]
        if (status !== null && status !== undefined && status.confirmationStatus !== "processed") return
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
    },
    close: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill("SIGTERM")
      await once(child, "exit")
    }
  }
}
