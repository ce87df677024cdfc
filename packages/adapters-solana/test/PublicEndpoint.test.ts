import { describe, expect, it } from "vitest"
import { publicEndpoint } from "../src/BubblegumGateway.ts"

describe("publicEndpoint: what /health/chain may show of SOLANA_RPC_URL", () => {
  it("keeps scheme, host and port; drops credentials, a key in the path and the query", () => {
    expect(publicEndpoint("https://user:pass@rpc.provider.example/v2/KEY123?api-key=SECRET#x")).toBe(
      "https://rpc.provider.example"
    )
    expect(publicEndpoint("http://127.0.0.1:8899")).toBe("http://127.0.0.1:8899")
    expect(publicEndpoint("not a url?api-key=SECRET")).not.toContain("SECRET")
  })
})
