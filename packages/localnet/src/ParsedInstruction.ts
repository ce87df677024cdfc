// getTransaction's jsonParsed instructions: agave's transaction-status parsers for the system
// program, SPL Token / Token-2022 (the instructions both share, 0-24), the associated token
// account program, memo and the upgradeable loader, with their `{program, programId, parsed:
// {type, info}}` shapes. Programs agave does not parse (compute budget among them) and data that
// does not parse keep the partially decoded form `{programId, accounts, data}`, as on a validator.
import { ByteReader, ParseFailure } from "./ByteReader.ts"
import { toBase58 } from "./Encoding.ts"
import { uiTokenAmount } from "./TokenAmount.ts"
import { isTokenProgram } from "./TokenLayout.ts"

const SYSTEM_PROGRAM = "11111111111111111111111111111111"
const ATA_PROGRAM = "ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL"
const MEMO_PROGRAMS = new Set([
  "MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr",
  "Memo1UhkJRfHyvLMcVucJwxXeuD728EqVDDwQDxFMNo"
])
const UPGRADEABLE_LOADER = "BPFLoaderUpgradeab1e11111111111111111111111"

type Info = Record<string, unknown>
interface Parsed {
  readonly program: string
  readonly parsed: unknown
}

const need = (accounts: ReadonlyArray<string>, count: number): void => {
  if (accounts.length < count) throw new ParseFailure("instruction key mismatch")
}

const parsedOf = (type: string, info?: Info) => (info === undefined ? { type } : { type, info })

const parseSystem = (data: Uint8Array, a: ReadonlyArray<string>): unknown => {
  const r = new ByteReader(data)
  switch (r.u32()) {
    case 0:
      need(a, 2)
      return parsedOf("createAccount", {
        source: a[0],
        newAccount: a[1],
        lamports: r.u64(),
        space: r.u64(),
        owner: r.pubkey()
      })
    case 1:
      need(a, 1)
      return parsedOf("assign", { account: a[0], owner: r.pubkey() })
    case 2:
      need(a, 2)
      return parsedOf("transfer", { source: a[0], destination: a[1], lamports: r.u64() })
    case 3: {
      need(a, 2)
      const base = r.pubkey()
      const seed = r.bincodeString()
      return parsedOf("createAccountWithSeed", {
        source: a[0],
        newAccount: a[1],
        base,
        seed,
        lamports: r.u64(),
        space: r.u64(),
        owner: r.pubkey()
      })
    }
    case 4:
      need(a, 3)
      return parsedOf("advanceNonce", {
        nonceAccount: a[0],
        recentBlockhashesSysvar: a[1],
        nonceAuthority: a[2]
      })
    case 5:
      need(a, 5)
      return parsedOf("withdrawFromNonce", {
        nonceAccount: a[0],
        destination: a[1],
        recentBlockhashesSysvar: a[2],
        rentSysvar: a[3],
        nonceAuthority: a[4],
        lamports: r.u64()
      })
    case 6:
      need(a, 3)
      return parsedOf("initializeNonce", {
        nonceAccount: a[0],
        recentBlockhashesSysvar: a[1],
        rentSysvar: a[2],
        nonceAuthority: r.pubkey()
      })
    case 7:
      need(a, 2)
      return parsedOf("authorizeNonce", {
        nonceAccount: a[0],
        nonceAuthority: a[1],
        newAuthorized: r.pubkey()
      })
    case 8:
      need(a, 1)
      return parsedOf("allocate", { account: a[0], space: r.u64() })
    case 9: {
      need(a, 2)
      const base = r.pubkey()
      const seed = r.bincodeString()
      return parsedOf("allocateWithSeed", { account: a[0], base, seed, space: r.u64(), owner: r.pubkey() })
    }
    case 10: {
      need(a, 2)
      const base = r.pubkey()
      const seed = r.bincodeString()
      return parsedOf("assignWithSeed", { account: a[0], base, seed, owner: r.pubkey() })
    }
    case 11: {
      need(a, 3)
      const lamports = r.u64()
      const sourceSeed = r.bincodeString()
      return parsedOf("transferWithSeed", {
        source: a[0],
        sourceBase: a[1],
        destination: a[2],
        lamports,
        sourceSeed,
        sourceOwner: r.pubkey()
      })
    }
    case 12:
      need(a, 1)
      return parsedOf("upgradeNonce", { nonceAccount: a[0] })
    default:
      throw new ParseFailure("unknown system instruction")
  }
}

/**
 * The authority of a token instruction: one signer, or a multisig followed by its signers
 * (agave's parse_signers): `{owner}` or `{multisigOwner, signers}` under the given names.
 */
const signers = (a: ReadonlyArray<string>, index: number, single: string, multi: string): Info => {
  need(a, index + 1)
  if (a.length > index + 1) return { [multi]: a[index], signers: a.slice(index + 1) }
  return { [single]: a[index] }
}

const AUTHORITY_TYPES = [
  "mintTokens",
  "freezeAccount",
  "accountOwner",
  "closeAccount",
  "transferFeeConfig",
  "withheldWithdraw",
  "closeMint",
  "interestRate",
  "permanentDelegate",
  "confidentialTransferMint",
  "transferHookProgramId",
  "confidentialTransferFeeConfig",
  "metadataPointer",
  "groupPointer",
  "groupMemberPointer",
  "scaledUiAmount",
  "pause"
]

const parseToken = (data: Uint8Array, a: ReadonlyArray<string>): unknown => {
  const r = new ByteReader(data)
  const tag = r.u8()
  switch (tag) {
    case 0:
    case 20: {
      const decimals = r.u8()
      const mintAuthority = r.pubkey()
      const freezeAuthority = r.optionPubkey()
      need(a, tag === 0 ? 2 : 1)
      return parsedOf(tag === 0 ? "initializeMint" : "initializeMint2", {
        mint: a[0],
        decimals,
        mintAuthority,
        ...(tag === 0 ? { rentSysvar: a[1] } : {}),
        ...(freezeAuthority === null ? {} : { freezeAuthority })
      })
    }
    case 1:
      need(a, 4)
      return parsedOf("initializeAccount", { account: a[0], mint: a[1], owner: a[2], rentSysvar: a[3] })
    case 16:
      need(a, 3)
      return parsedOf("initializeAccount2", {
        account: a[0],
        mint: a[1],
        owner: r.pubkey(),
        rentSysvar: a[2]
      })
    case 18:
      need(a, 2)
      return parsedOf("initializeAccount3", { account: a[0], mint: a[1], owner: r.pubkey() })
    case 2:
      need(a, 3)
      return parsedOf("initializeMultisig", {
        multisig: a[0],
        rentSysvar: a[1],
        signers: a.slice(2),
        m: r.u8()
      })
    case 19:
      need(a, 2)
      return parsedOf("initializeMultisig2", { multisig: a[0], signers: a.slice(1), m: r.u8() })
    case 3:
      need(a, 2)
      return parsedOf("transfer", {
        source: a[0],
        destination: a[1],
        amount: r.u64().toString(),
        ...signers(a, 2, "authority", "multisigAuthority")
      })
    case 4:
      need(a, 2)
      return parsedOf("approve", {
        source: a[0],
        delegate: a[1],
        amount: r.u64().toString(),
        ...signers(a, 2, "owner", "multisigOwner")
      })
    case 5:
      return parsedOf("revoke", { source: a[0], ...signers(a, 1, "owner", "multisigOwner") })
    case 6: {
      const authorityType = AUTHORITY_TYPES[r.u8()]
      if (authorityType === undefined) throw new ParseFailure("unknown authority type")
      const newAuthority = r.optionPubkey()
      const owned = authorityType === "accountOwner" || authorityType === "closeAccount" ? "account" : "mint"
      return parsedOf("setAuthority", {
        [owned]: a[0],
        authorityType,
        newAuthority,
        ...signers(a, 1, "authority", "multisigAuthority")
      })
    }
    case 7:
      need(a, 2)
      return parsedOf("mintTo", {
        mint: a[0],
        account: a[1],
        amount: r.u64().toString(),
        ...signers(a, 2, "mintAuthority", "multisigMintAuthority")
      })
    case 8:
      need(a, 2)
      return parsedOf("burn", {
        account: a[0],
        mint: a[1],
        amount: r.u64().toString(),
        ...signers(a, 2, "authority", "multisigAuthority")
      })
    case 9:
      need(a, 2)
      return parsedOf("closeAccount", {
        account: a[0],
        destination: a[1],
        ...signers(a, 2, "owner", "multisigOwner")
      })
    case 10:
    case 11:
      need(a, 2)
      return parsedOf(tag === 10 ? "freezeAccount" : "thawAccount", {
        account: a[0],
        mint: a[1],
        ...signers(a, 2, "freezeAuthority", "multisigFreezeAuthority")
      })
    case 12: {
      need(a, 3)
      const amount = r.u64()
      return parsedOf("transferChecked", {
        source: a[0],
        mint: a[1],
        destination: a[2],
        tokenAmount: uiTokenAmount(amount, r.u8()),
        ...signers(a, 3, "authority", "multisigAuthority")
      })
    }
    case 13: {
      need(a, 3)
      const amount = r.u64()
      return parsedOf("approveChecked", {
        source: a[0],
        mint: a[1],
        delegate: a[2],
        tokenAmount: uiTokenAmount(amount, r.u8()),
        ...signers(a, 3, "owner", "multisigOwner")
      })
    }
    case 14: {
      need(a, 2)
      const amount = r.u64()
      return parsedOf("mintToChecked", {
        mint: a[0],
        account: a[1],
        tokenAmount: uiTokenAmount(amount, r.u8()),
        ...signers(a, 2, "mintAuthority", "multisigMintAuthority")
      })
    }
    case 15: {
      need(a, 2)
      const amount = r.u64()
      return parsedOf("burnChecked", {
        account: a[0],
        mint: a[1],
        tokenAmount: uiTokenAmount(amount, r.u8()),
        ...signers(a, 2, "authority", "multisigAuthority")
      })
    }
    case 17:
      need(a, 1)
      return parsedOf("syncNative", { account: a[0] })
    case 21:
      need(a, 1)
      return parsedOf("getAccountDataSize", { mint: a[0] })
    case 22:
      need(a, 1)
      return parsedOf("initializeImmutableOwner", { account: a[0] })
    case 23:
      need(a, 1)
      return parsedOf("amountToUiAmount", { mint: a[0], amount: r.u64().toString() })
    case 24:
      need(a, 1)
      return parsedOf("uiAmountToAmount", {
        mint: a[0],
        uiAmount: new TextDecoder().decode(data.subarray(1))
      })
    default:
      // Token-2022's extension instructions (25 and up) are not decoded here.
      throw new ParseFailure("token instruction not parsed")
  }
}

const parseAssociatedTokenAccount = (data: Uint8Array, a: ReadonlyArray<string>): unknown => {
  const tag = data.length === 0 ? 0 : data[0]
  if (tag === 0 || tag === 1) {
    need(a, 6)
    return parsedOf(tag === 0 ? "create" : "createIdempotent", {
      source: a[0],
      account: a[1],
      wallet: a[2],
      mint: a[3],
      systemProgram: a[4],
      tokenProgram: a[5]
    })
  }
  if (tag === 2) {
    need(a, 7)
    return parsedOf("recoverNested", {
      nestedSource: a[0],
      nestedMint: a[1],
      destination: a[2],
      nestedOwner: a[3],
      ownerMint: a[4],
      wallet: a[5],
      tokenProgram: a[6]
    })
  }
  throw new ParseFailure("unknown associated token account instruction")
}

const parseUpgradeableLoader = (data: Uint8Array, a: ReadonlyArray<string>): unknown => {
  const r = new ByteReader(data)
  switch (r.u32()) {
    case 0:
      need(a, 1)
      return parsedOf("initializeBuffer", { account: a[0], ...(a[1] ? { authority: a[1] } : {}) })
    case 1: {
      need(a, 2)
      const offset = r.u32()
      const length = Number(r.u64())
      return parsedOf("write", {
        offset,
        bytes: toBase58(r.bytesOf(length)),
        account: a[0],
        authority: a[1]
      })
    }
    case 2:
      need(a, 8)
      return parsedOf("deployWithMaxDataLen", {
        maxDataLen: r.u64(),
        payerAccount: a[0],
        programDataAccount: a[1],
        programAccount: a[2],
        bufferAccount: a[3],
        rentSysvar: a[4],
        clockSysvar: a[5],
        systemProgram: a[6],
        authority: a[7]
      })
    case 3:
      need(a, 7)
      return parsedOf("upgrade", {
        programDataAccount: a[0],
        programAccount: a[1],
        bufferAccount: a[2],
        spillAccount: a[3],
        rentSysvar: a[4],
        clockSysvar: a[5],
        authority: a[6]
      })
    case 4:
      need(a, 2)
      return parsedOf("setAuthority", { account: a[0], authority: a[1], newAuthority: a[2] ?? null })
    case 5:
      need(a, 3)
      return parsedOf("close", {
        account: a[0],
        recipient: a[1],
        authority: a[2],
        programAccount: a[3] ?? null
      })
    default:
      throw new ParseFailure("upgradeable loader instruction not parsed")
  }
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true })
const parseMemo = (data: Uint8Array): unknown => {
  try {
    return strictUtf8.decode(data)
  } catch {
    throw new ParseFailure("memo is not UTF-8")
  }
}

const parsers: ReadonlyArray<
  [(programId: string) => boolean, string, (data: Uint8Array, a: ReadonlyArray<string>) => unknown]
> = [
  [(id) => id === SYSTEM_PROGRAM, "system", parseSystem],
  [isTokenProgram, "spl-token", parseToken],
  [(id) => id === ATA_PROGRAM, "spl-associated-token-account", parseAssociatedTokenAccount],
  [(id) => MEMO_PROGRAMS.has(id), "spl-memo", parseMemo],
  [(id) => id === UPGRADEABLE_LOADER, "bpf-upgradeable-loader", parseUpgradeableLoader]
]

/**
 * getSignaturesForAddress' `memo`: each memo instruction of the message as "[length] text",
 * joined with "; " (agave's extract_and_fmt_memos), or null without one.
 */
export const memoOf = (
  instructions: ReadonlyArray<{ readonly programIdIndex: number; readonly data: Uint8Array }>,
  keys: ReadonlyArray<string>
): string | null => {
  const memos = instructions
    .filter((ix) => MEMO_PROGRAMS.has(keys[ix.programIdIndex] ?? ""))
    .map((ix) => {
      // The length is in bytes, as Rust's str::len counts.
      return `[${ix.data.length}] ${new TextDecoder().decode(ix.data)}`
    })
  return memos.length === 0 ? null : memos.join("; ")
}

/** `{program, programId, parsed, stackHeight}`, or the partially decoded form. */
export const parsedInstruction = (
  programId: string,
  accounts: ReadonlyArray<string>,
  data: Uint8Array,
  stackHeight: number | null
) => {
  for (const [matches, program, parse] of parsers) {
    if (!matches(programId)) continue
    try {
      const parsed: Parsed = { program, parsed: parse(data, accounts) }
      return { program: parsed.program, programId, parsed: parsed.parsed, stackHeight }
    } catch (error) {
      if (!(error instanceof ParseFailure || error instanceof RangeError)) throw error
    }
    break
  }
  return { programId, accounts, data: toBase58(data), stackHeight }
}
