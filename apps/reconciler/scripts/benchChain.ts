/**
 * The benchmark's chain, in a process of its own as a validator would be: the localnet with the
 * real Bubblegum programs, and the latency proxy in front of it. Prints one JSON line with both
 * URLs, then serves until SIGTERM.
 *
 *   node scripts/benchChain.ts <latency ms>
 */
import { startLocalnet } from "@tickettoken/solana-localnet"
import { startLatencyProxy } from "./LatencyProxy.ts"

const delayMs = Number(process.argv[2] ?? "5")
// Slots on a timer, and early once 256 transactions fill one, as a cluster would make them.
const localnet = await startLocalnet({ port: 0, slotIntervalMs: 100 })
const proxy = await startLatencyProxy({ target: localnet.rpcUrl, delayMs })
process.stdout.write(`${JSON.stringify({ rpcUrl: localnet.rpcUrl, proxyUrl: proxy.url })}\n`)

const stop = async () => {
  await proxy.close()
  await localnet.close()
  process.exit(0)
}
process.once("SIGTERM", () => void stop())
process.once("SIGINT", () => void stop())
