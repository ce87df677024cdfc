/** Tree sizes and rents, against figures measured on LiteSVM with the real compression program. */

import { readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { commonShapes, costTable, rentExemptLamports, shapeProblem, treeCost } from "../src/TreeCost.ts"

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

describe("costTable", () => {
  it("lists only shapes the program accepts, each with its capacity, rent and proof size", () => {
    for (const shape of commonShapes) expect(shapeProblem(shape)).toBeUndefined()
    const table = costTable()
    expect(table.split("\n")).toHaveLength(commonShapes.length + 2)
    expect(table).toContain("| 14 | 64 | 0 | 16,384 | 31,800 | 0.2222 | 13,564 | 14 |")
  })

  it("is the table the README shows (regenerate it from costTable() when a shape changes)", () => {
    const readme = readFileSync(join(import.meta.dirname, "..", "..", "..", "README.md"), "utf8")
    expect(readme).toContain(costTable())
  })
})
