// The instruction parsers on hand-made instruction data, for the cases the live tests do not
// reach: the upgradeable loader, seeded system instructions, multisig authorities, amounts as
// decimal strings, and the fallback to the partially decoded form.
import { PublicKey, SystemProgram } from "@solana/web3.js"
import { describe, expect, it } from "vitest"
import { toBase58 } from "../src/Encoding.ts"
import { parsedInstruction } from "../src/ParsedInstruction.ts"
import { decimalString } from "../src/TokenAmount.ts"

const key = (n: number) => toBase58(new Uint8Array(32).fill(n))
const LOADER = "BPFLoaderUpgradeab1e11111111111111111111111"
const TOKEN = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA"
const u32 = (value: number) => {
  const bytes = new Uint8Array(4)
  new DataView(bytes.buffer).setUint32(0, value, true)
  return bytes
}
const u64 = (value: bigint) => {
  const bytes = new Uint8Array(8)
  new DataView(bytes.buffer).setBigUint64(0, value, true)
  return bytes
}

describe("instruction parsers", () => {
  it("parse the upgradeable loader's upgrade and setAuthority", () => {
    const accounts = [1, 2, 3, 4, 5, 6, 7].map(key)
    expect(parsedInstruction(LOADER, accounts, u32(3), null)).toEqual({
      program: "bpf-upgradeable-loader",
      programId: LOADER,
      parsed: {
        type: "upgrade",
        info: {
          programDataAccount: key(1),
          programAccount: key(2),
          bufferAccount: key(3),
          spillAccount: key(4),
          rentSysvar: key(5),
          clockSysvar: key(6),
          authority: key(7)
        }
      },
      stackHeight: null
    })
    expect(parsedInstruction(LOADER, [key(1), key(2)], u32(4), 2).parsed).toEqual({
      type: "setAuthority",
      info: { account: key(1), authority: key(2), newAuthority: null }
    })
  })

  it("parse createAccountWithSeed as web3.js encodes it", () => {
    const from = new PublicKey(key(9))
    const base = new PublicKey(key(8))
    const owner = new PublicKey(key(7))
    const ix = SystemProgram.createAccountWithSeed({
      fromPubkey: from,
      newAccountPubkey: new PublicKey(key(6)),
      basePubkey: base,
      seed: "tickets",
      lamports: 5,
      space: 10,
      programId: owner
    })
    const parsed = parsedInstruction(
      ix.programId.toBase58(),
      ix.keys.map((meta) => meta.pubkey.toBase58()),
      ix.data,
      null
    )
    expect(parsed.parsed).toEqual({
      type: "createAccountWithSeed",
      info: {
        source: key(9),
        newAccount: key(6),
        base: key(8),
        seed: "tickets",
        lamports: 5n,
        space: 10n,
        owner: key(7)
      }
    })
  })

  it("name a multisig authority and its signers, and write amounts as strings", () => {
    const data = new Uint8Array([3, ...u64(42n)])
    const parsed = parsedInstruction(TOKEN, [key(1), key(2), key(3), key(4), key(5)], data, null)
    expect(parsed.parsed).toEqual({
      type: "transfer",
      info: {
        source: key(1),
        destination: key(2),
        amount: "42",
        multisigAuthority: key(3),
        signers: [key(4), key(5)]
      }
    })
  })

  it("fall back to the partially decoded form for data they cannot read", () => {
    expect(parsedInstruction(TOKEN, [key(1)], new Uint8Array([3, 1]), 1)).toEqual({
      programId: TOKEN,
      accounts: [key(1)],
      data: toBase58(new Uint8Array([3, 1])),
      stackHeight: 1
    })
  })

  it("write decimal amounts with trailing zeros trimmed", () => {
    expect(decimalString(0n, 6)).toBe("0")
    expect(decimalString(1_500n, 3)).toBe("1.5")
    expect(decimalString(7n, 2)).toBe("0.07")
    expect(decimalString(123n, 0)).toBe("123")
  })
})
