// The fee a transaction is charged, worked out from its message the way the runtime does
// (signatures, precompile signatures, priority fee). LiteSVM's JS binding does not expose the fee
// it charged, and getFeeForMessage needs the same number before anything runs.
import type { WireMessage } from "./WireTransaction.ts"

export const LAMPORTS_PER_SIGNATURE = 5000n
export const COMPUTE_BUDGET_PROGRAM = "ComputeBudget111111111111111111111111111111"

const MAX_COMPUTE_UNIT_LIMIT = 1_400_000
const DEFAULT_INSTRUCTION_COMPUTE_UNIT_LIMIT = 200_000
const BUILTIN_INSTRUCTION_COMPUTE_UNIT_LIMIT = 3_000
const MICRO_LAMPORTS_PER_LAMPORT = 1_000_000n

// Builtins that were not migrated to on-chain programs reserve only 3,000 CU by default.
const builtinPrograms = new Set([
  "11111111111111111111111111111111",
  COMPUTE_BUDGET_PROGRAM,
  "Vote111111111111111111111111111111111111111",
  "BPFLoaderUpgradeab1e11111111111111111111111",
  "BPFLoader2111111111111111111111111111111111",
  "BPFLoader1111111111111111111111111111111111",
  "LoaderV411111111111111111111111111111111111"
])

// Precompiles take their signature count from the first data byte and charge for each.
const precompilePrograms = new Set([
  "Ed25519SigVerify111111111111111111111111111",
  "KeccakSecp256k11111111111111111111111111111",
  "Secp256r1SigVerify1111111111111111111111111"
])

export interface ComputeBudget {
  readonly computeUnitLimit: number
  readonly computeUnitPriceMicroLamports: bigint
}

const readU32 = (data: Uint8Array, offset: number): number | undefined =>
  data.length >= offset + 4
    ? new DataView(data.buffer, data.byteOffset + offset, 4).getUint32(0, true)
    : undefined

const readU64 = (data: Uint8Array, offset: number): bigint | undefined =>
  data.length >= offset + 8
    ? new DataView(data.buffer, data.byteOffset + offset, 8).getBigUint64(0, true)
    : undefined

/** Program id of each instruction; `undefined` when its index points into a lookup table. */
const programIds = (tx: WireMessage): ReadonlyArray<string | undefined> =>
  tx.instructions.map((ix) => tx.staticAccountKeys[ix.programIdIndex])

export const computeBudgetOf = (tx: WireMessage): ComputeBudget => {
  let limit: number | undefined
  let price = 0n
  let defaultLimit = 0
  const ids = programIds(tx)
  tx.instructions.forEach((ix, i) => {
    const programId = ids[i]
    if (programId === COMPUTE_BUDGET_PROGRAM) {
      const tag = ix.data[0]
      if (tag === 2) limit = readU32(ix.data, 1) ?? limit
      if (tag === 3) price = readU64(ix.data, 1) ?? price
    }
    defaultLimit +=
      programId !== undefined && builtinPrograms.has(programId)
        ? BUILTIN_INSTRUCTION_COMPUTE_UNIT_LIMIT
        : DEFAULT_INSTRUCTION_COMPUTE_UNIT_LIMIT
  })
  return {
    computeUnitLimit: Math.min(limit ?? defaultLimit, MAX_COMPUTE_UNIT_LIMIT),
    computeUnitPriceMicroLamports: price
  }
}

export const feeFor = (tx: WireMessage): bigint => {
  let signatures = BigInt(tx.header.numRequiredSignatures)
  const ids = programIds(tx)
  tx.instructions.forEach((ix, i) => {
    const programId = ids[i]
    if (programId !== undefined && precompilePrograms.has(programId)) signatures += BigInt(ix.data[0] ?? 0)
  })
  const { computeUnitLimit, computeUnitPriceMicroLamports } = computeBudgetOf(tx)
  const priority =
    (computeUnitPriceMicroLamports * BigInt(computeUnitLimit) + MICRO_LAMPORTS_PER_LAMPORT - 1n) /
    MICRO_LAMPORTS_PER_LAMPORT
  return signatures * LAMPORTS_PER_SIGNATURE + priority
}
