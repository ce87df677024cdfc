/** Tree sizes and rents, against figures measured on LiteSVM with the real compression program. */
import { describe, expect, it } from "@effect/vitest"
import { rentExemptLamports, shapeProblem, treeCost } from "../src/TreeCost.ts"

describe("treeCost", () => {
  it("a depth-14, buffer-64 tree is 31,800 bytes and 0.222 SOL of rent", () => {
    expect(treeCost({ maxDepth: 14, maxBufferSize: 64, canopyDepth: 0 })).toEqual({
      bytes: 31_800,
      rentLamports: 222_218_880,
      capacity: 16_384
    })
  })

  it("a canopy adds 32 bytes per stored node", () => {
    const bare = treeCost({ maxDepth: 14, maxBufferSize: 64, canopyDepth: 0 })
    const canopy = treeCost({ maxDepth: 14, maxBufferSize: 64, canopyDepth: 3 })
    expect(canopy.bytes - bare.bytes).toBe(32 * (2 ** 4 - 2))
    expect(rentExemptLamports(0)).toBe(890_880)
  })

  it("refuses shapes the compression program would refuse after the rent is spent", () => {
    expect(shapeProblem({ maxDepth: 14, maxBufferSize: 64, canopyDepth: 0 })).toBeUndefined()
    expect(shapeProblem({ maxDepth: 14, maxBufferSize: 65, canopyDepth: 0 })).toContain("not a pair")
    expect(shapeProblem({ maxDepth: 14, maxBufferSize: 64, canopyDepth: 14 })).toContain("canopy depth")
    expect(shapeProblem({ maxDepth: 30, maxBufferSize: 2048, canopyDepth: 20 })).toContain("at most")
  })
})
