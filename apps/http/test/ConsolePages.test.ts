/** The console's pages as pure functions of their data: what an operator must read, escaped. */
import { CompletionStats, mintStatuses, type ReasonCode } from "@tickettoken/minting-core"
import type { MintView } from "@tickettoken/minting-core/client"
import { describe, expect, it } from "vitest"
import { clusterOf, explorerUrl } from "../src/console/Explorer.ts"
import { mintBody } from "../src/console/MintPages.ts"
import { type Overview, overviewBody } from "../src/console/OverviewPage.ts"

const zeroCounts = Object.fromEntries(mintStatuses.map((s) => [s, 0])) as Overview["counts"]
const overview = (fields: Partial<Overview> = {}): Overview => ({
  counts: zeroCounts,
  stats: CompletionStats.summarize([], Date.now()),
  worker: { status: "ok", inFlight: 0 },
  chain: {
    status: "ok",
    problems: [],
    kind: "cluster",
    rpcHost: "rpc.example:443",
    genesisHash: null,
    slot: 1
  },
  feePayer: {
    address: "FeePayer1111111111111111111111111111111111",
    lamports: 12_345_000,
    mintCostLamports: 5_000
  },
  trees: [],
  openFindings: { mint_missing: 0 } as Record<ReasonCode, number>,
  lastReport: null,
  ...fields
})

const devnet = "EtWTRABZaYq6iMfeYKouRu166VU2xqa1wcaWoxPkrZBG"
const mainnet = "5eykt4UsFv8P8NJdTREpY1vzqKqZKvdpKuc147dw2N9d"
const signature = "5VERv8NMvzbJMEkV8xnrLkEaWRtSz9CosKDYjCJjBRnbJLgp8uirBgmQpjKhoR4tjF3ZpRzrFmBV6UjKdiSZkQUW"

describe("console pages", () => {
  it("says the worker is stalled and why, and how many mints the fee payer still pays for", () => {
    const text = String(
      overviewBody(
        overview({
          worker: { status: "degraded", reason: "fee_payer_empty", stalledForMs: 45_000, inFlight: 3 }
        })
      )
    )
    expect(text).toMatch(/data-testid="worker-state"><span class="badge s-stalled">stalled</)
    expect(text).toContain('data-testid="worker-reason">fee payer empty<')
    expect(text).toContain("45.0 s")
    expect(text).toContain('data-testid="fee-payer-mints">2,469 more mints<')
    expect(text).toContain('data-testid="rpc-host">rpc.example:443<')
  })

  it("draws one bar per minute and says the totals in words", () => {
    const now = Date.now()
    const stats = CompletionStats.summarize(
      [
        { createdAt: now - 2_000, completedAt: now - 1_000 },
        { createdAt: now - 5_000, completedAt: now - 1_000 }
      ],
      now
    )
    const text = String(overviewBody(overview({ stats })))
    expect(text.match(/<rect class="bar"/g)).toHaveLength(60)
    expect(text).toContain("2 in all, at most 2 in one minute")
    expect(text).toContain('data-testid="latency-count">2<')
  })

  it("links signatures and assets to the explorer of devnet and mainnet, and not of a local chain", () => {
    expect(clusterOf(devnet)).toBe("devnet")
    expect(clusterOf(mainnet)).toBe("mainnet-beta")
    expect(clusterOf("local-genesis")).toBe("local")
    expect(explorerUrl("devnet", "tx", signature)).toBe(
      `https://explorer.solana.com/tx/${signature}?cluster=devnet`
    )
    expect(explorerUrl("mainnet-beta", "tx", signature)).toBe(`https://explorer.solana.com/tx/${signature}`)
    expect(explorerUrl("local", "tx", signature)).toBeNull()
    expect(explorerUrl("devnet", "tx", "javascript:alert(1)")).toBeNull()
  })

  it("escapes what the database holds", () => {
    const mint: MintView = {
      id: "m-1",
      ticketId: "t-1",
      orderId: "o-1",
      eventId: '<img src=x onerror="alert(1)">',
      owner: "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin",
      collectionId: null,
      status: "failed",
      attempts: 3,
      maxAttempts: 3,
      nextAttemptAt: null,
      metadataUri: "https://mint.example/metadata/t-1",
      signature: null,
      assetId: null,
      tree: null,
      leafIndex: null,
      error: { code: "program_failed", message: "</dd><script>alert(1)</script>" },
      createdAt: "2026-11-30T12:00:00.000Z",
      updatedAt: "2026-11-30T12:00:00.000Z",
      completedAt: null
    }
    const text = String(mintBody(mint, [], "devnet"))
    expect(text).not.toContain("<script>")
    expect(text).not.toContain("<img")
    expect(text).toContain("&lt;script&gt;")
    expect(text).toContain('data-testid="retry-link"')
  })
})
