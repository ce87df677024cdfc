// The README's method lists are the truth: every method listed is served, and (over HTTP) no
// other one is. A method that goes missing, or one added without a README line, fails here.
import { readFileSync } from "node:fs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import WebSocket from "ws"
import { type Localnet, startLocalnet } from "../src/index.ts"
import { type Json, rpc } from "./helpers.ts"

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8")

/** The comma-separated names after a README label, up to the next blank line. */
const listed = (label: string): string[] => {
  const start = readme.indexOf(label)
  expect(start).toBeGreaterThanOrEqual(0)
  const paragraph = readme.slice(start + label.length, readme.indexOf("\n\n", start))
  return paragraph
    .replace(/\.$/, "")
    .split(/,\s*/)
    .map((name) => name.trim())
    .filter((name) => name.length > 0)
}

let localnet: Localnet
beforeAll(async () => {
  localnet = await startLocalnet({ slotIntervalMs: 0, loadPrograms: false })
})
afterAll(async () => {
  await localnet.close()
})

describe("the README's method lists", () => {
  it("name exactly the HTTP and DAS methods served", () => {
    const http = listed("HTTP (JSON-RPC): ")
    const das = listed("DAS (Metaplex Digital Asset Standard, named parameters): ")
    expect([...http, ...das].sort()).toEqual([...localnet.methods])
  })

  it("name WebSocket subscriptions that are served, and others are not", async () => {
    const line = readme.slice(readme.indexOf("WebSocket (PubSub): "), readme.indexOf(", each with"))
    const subscribe = line.replace("WebSocket (PubSub): ", "").split(/,\s*/)
    const socket = new WebSocket(localnet.wsUrl)
    await new Promise((resolve) => socket.once("open", resolve))
    const answers = new Map<number, Json>()
    socket.on("message", (data) => {
      const answer = JSON.parse(data.toString())
      if (answer.id !== undefined) answers.set(answer.id, answer)
    })
    const call = async (id: number, method: string, params: unknown[]) => {
      socket.send(JSON.stringify({ jsonrpc: "2.0", id, method, params }))
      for (let i = 0; i < 200 && !answers.has(id); i++) await new Promise((resolve) => setTimeout(resolve, 5))
      return answers.get(id)
    }
    const address = "11111111111111111111111111111111"
    const params: Record<string, unknown[]> = {
      accountSubscribe: [address],
      logsSubscribe: ["all"],
      programSubscribe: [address],
      signatureSubscribe: ["1".repeat(88)]
    }
    let id = 0
    for (const method of subscribe) {
      const subscribed = await call(++id, method, params[method] ?? [])
      expect(typeof subscribed?.result, method).toBe("number")
      const unsubscribe = method.replace("Subscribe", "Unsubscribe")
      expect((await call(++id, unsubscribe, [subscribed.result]))?.result, unsubscribe).toBe(true)
    }
    expect((await call(++id, "blockSubscribe", ["all"]))?.error.code).toBe(-32601)
    socket.close()
    // And HTTP refuses what it does not serve.
    expect((await rpc(localnet.rpcUrl, "getLeaderSchedule")).error.code).toBe(-32601)
  })
})
