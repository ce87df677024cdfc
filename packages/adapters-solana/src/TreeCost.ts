/**
 * What a Bubblegum tree costs before anyone pays for it: the merkle tree account's size (SPL
 * account compression's layout, via its umi client's getMerkleTreeSize) and the rent that keeps
 * it alive. Pure: the rent uses the cluster's standard rate, which every public cluster has had
 * since genesis; `pnpm tree:create` also asks the RPC before it acts.
 */
import { getMerkleTreeSize } from "@metaplex-foundation/spl-account-compression"

export interface TreeShape {
  readonly maxDepth: number
  readonly maxBufferSize: number
  readonly canopyDepth: number
}

export interface TreeCost {
  readonly bytes: number
  readonly rentLamports: number
  /** Leaves the tree holds: 2^maxDepth. */
  readonly capacity: number
}

/**
 * The (maxDepth, maxBufferSize) pairs the concurrent merkle tree program accepts; any other
 * pair fails on chain after the account's rent is already spent.
 */
export const validDepthBufferPairs: ReadonlyArray<readonly [number, number]> = [
  [3, 8],
  [5, 8],
  [6, 16],
  [7, 16],
  [8, 16],
  [9, 16],
  [10, 32],
  [11, 32],
  [12, 32],
  [13, 32],
  [14, 64],
  [14, 256],
  [14, 1024],
  [14, 2048],
  [15, 64],
  [16, 64],
  [17, 64],
  [18, 64],
  [19, 64],
  [20, 64],
  [20, 256],
  [20, 1024],
  [20, 2048],
  [24, 64],
  [24, 256],
  [24, 512],
  [24, 1024],
  [24, 2048],
  [26, 512],
  [26, 1024],
  [26, 2048],
  [30, 512],
  [30, 1024],
  [30, 2048]
]

/** Rent-exempt minimum: (128-byte account header + data) x 3,480 lamports/byte-year x 2 years. */
export const ACCOUNT_HEADER_BYTES = 128
export const LAMPORTS_PER_BYTE_YEAR = 3_480
export const EXEMPTION_YEARS = 2
/** The largest account the system program creates in one instruction. */
export const MAX_ACCOUNT_BYTES = 10 * 1024 * 1024

export const rentExemptLamports = (bytes: number): number =>
  (ACCOUNT_HEADER_BYTES + bytes) * LAMPORTS_PER_BYTE_YEAR * EXEMPTION_YEARS

/** Why the shape cannot be created, or undefined when it can. */
export const shapeProblem = (shape: TreeShape): string | undefined => {
  const { maxDepth, maxBufferSize, canopyDepth } = shape
  if (!validDepthBufferPairs.some(([d, b]) => d === maxDepth && b === maxBufferSize)) {
    return `depth ${maxDepth} with buffer ${maxBufferSize} is not a pair the compression program accepts (${validDepthBufferPairs
      .map(([d, b]) => `${d}/${b}`)
      .join(", ")})`
  }
  if (!Number.isInteger(canopyDepth) || canopyDepth < 0 || canopyDepth >= maxDepth) {
    return `canopy depth ${canopyDepth} must be a whole number from 0 to ${maxDepth - 1}`
  }
  const bytes = getMerkleTreeSize(maxDepth, maxBufferSize, canopyDepth)
  if (bytes > MAX_ACCOUNT_BYTES) {
    return `the tree account would be ${bytes} bytes; one account holds at most ${MAX_ACCOUNT_BYTES}`
  }
  return undefined
}

export const treeCost = (shape: TreeShape): TreeCost => {
  const bytes = getMerkleTreeSize(shape.maxDepth, shape.maxBufferSize, shape.canopyDepth)
  return { bytes, rentLamports: rentExemptLamports(bytes), capacity: 2 ** shape.maxDepth }
}

/** Sizes an operator usually picks from, smallest first (each a pair the program accepts). */
export const commonShapes: ReadonlyArray<TreeShape> = [
  { maxDepth: 5, maxBufferSize: 8, canopyDepth: 0 },
  { maxDepth: 14, maxBufferSize: 64, canopyDepth: 0 },
  { maxDepth: 14, maxBufferSize: 64, canopyDepth: 8 },
  { maxDepth: 14, maxBufferSize: 256, canopyDepth: 10 },
  { maxDepth: 17, maxBufferSize: 64, canopyDepth: 0 },
  { maxDepth: 17, maxBufferSize: 64, canopyDepth: 10 },
  { maxDepth: 20, maxBufferSize: 64, canopyDepth: 0 },
  { maxDepth: 20, maxBufferSize: 256, canopyDepth: 10 },
  { maxDepth: 20, maxBufferSize: 1024, canopyDepth: 14 },
  { maxDepth: 24, maxBufferSize: 64, canopyDepth: 0 },
  { maxDepth: 24, maxBufferSize: 512, canopyDepth: 14 },
  { maxDepth: 30, maxBufferSize: 512, canopyDepth: 0 },
  { maxDepth: 30, maxBufferSize: 2048, canopyDepth: 14 }
]

const sol = (lamports: number) => (lamports / 1e9).toFixed(lamports >= 1e11 ? 2 : 4)

/**
 * The cost table of tree sizes as Markdown: what the account takes in rent (at the standard
 * rate: the rent comes back only if the tree is closed, which Bubblegum never does) and what each
 * mint costs in rent. Transaction fees (5,000 lamports a signature, plus any priority fee) come
 * on top of every mint. The canopy keeps the top of the tree on chain, so a transfer or burn
 * sends `depth - canopy` proof nodes instead of `depth`: above about 17 they no longer fit a
 * transaction beside the other accounts.
 */
export const costTable = (shapes: ReadonlyArray<TreeShape> = commonShapes): string => {
  const rows = shapes.map((shape) => {
    const cost = treeCost(shape)
    return `| ${shape.maxDepth} | ${shape.maxBufferSize} | ${shape.canopyDepth} | ${cost.capacity.toLocaleString("en")} | ${cost.bytes.toLocaleString("en")} | ${sol(cost.rentLamports)} | ${Math.ceil(cost.rentLamports / cost.capacity).toLocaleString("en")} | ${shape.maxDepth - shape.canopyDepth} |`
  })
  return [
    "| depth | buffer | canopy | max mints | account bytes | rent (SOL) | rent per mint (lamports) | proof nodes per transfer |",
    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows
  ].join("\n")
}
