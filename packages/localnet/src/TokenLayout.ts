// SPL Token and Token-2022 account layouts: mints (82 bytes), token accounts (165), multisigs
// (355). Token-2022 puts its extensions after byte 165, behind an account-type byte (1 mint,
// 2 account); a mint is padded to 165 first so the two cannot be confused by length alone.
import { ByteReader, ParseFailure } from "./ByteReader.ts"

export const TOKEN_PROGRAM = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA"
export const TOKEN_2022_PROGRAM = "TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb"
export const isTokenProgram = (owner: string): boolean =>
  owner === TOKEN_PROGRAM || owner === TOKEN_2022_PROGRAM

export const MINT_SIZE = 82
export const ACCOUNT_SIZE = 165
export const MULTISIG_SIZE = 355
const ACCOUNT_TYPE_MINT = 1
const ACCOUNT_TYPE_ACCOUNT = 2

export interface MintState {
  readonly mintAuthority: string | null
  readonly supply: bigint
  readonly decimals: number
  readonly isInitialized: boolean
  readonly freezeAuthority: string | null
}

export interface TokenAccountState {
  readonly mint: string
  readonly owner: string
  readonly amount: bigint
  readonly delegate: string | null
  /** 0 uninitialized, 1 initialized, 2 frozen. */
  readonly state: number
  /** The rent-exempt reserve of a wrapped-SOL account; null for other mints. */
  readonly isNative: bigint | null
  readonly delegatedAmount: bigint
  readonly closeAuthority: string | null
}

export interface MultisigState {
  readonly m: number
  readonly n: number
  readonly isInitialized: boolean
  readonly signers: ReadonlyArray<string>
}

export type TokenAccountKind =
  | { readonly type: "mint"; readonly mint: MintState }
  | { readonly type: "account"; readonly account: TokenAccountState }
  | { readonly type: "multisig"; readonly multisig: MultisigState }

export const kindOf = (data: Uint8Array): "mint" | "account" | "multisig" | undefined => {
  if (data.length === MINT_SIZE) return "mint"
  if (data.length === ACCOUNT_SIZE) return "account"
  if (data.length === MULTISIG_SIZE) return "multisig"
  if (data.length > ACCOUNT_SIZE) {
    if (data[ACCOUNT_SIZE] === ACCOUNT_TYPE_MINT) return "mint"
    if (data[ACCOUNT_SIZE] === ACCOUNT_TYPE_ACCOUNT) return "account"
  }
  return undefined
}

export const readMint = (data: Uint8Array): MintState => {
  const reader = new ByteReader(data)
  return {
    mintAuthority: reader.cOptionPubkey(),
    supply: reader.u64(),
    decimals: reader.u8(),
    isInitialized: reader.u8() === 1,
    freezeAuthority: reader.cOptionPubkey()
  }
}

export const readTokenAccount = (data: Uint8Array): TokenAccountState => {
  const reader = new ByteReader(data)
  return {
    mint: reader.pubkey(),
    owner: reader.pubkey(),
    amount: reader.u64(),
    delegate: reader.cOptionPubkey(),
    state: reader.u8(),
    isNative: reader.cOptionU64(),
    delegatedAmount: reader.u64(),
    closeAuthority: reader.cOptionPubkey()
  }
}

export const readMultisig = (data: Uint8Array): MultisigState => {
  const reader = new ByteReader(data)
  const m = reader.u8()
  const n = reader.u8()
  const isInitialized = reader.u8() === 1
  const signers: string[] = []
  for (let i = 0; i < n; i++) signers.push(reader.pubkey())
  return { m, n, isInitialized, signers }
}

export const readTokenState = (data: Uint8Array): TokenAccountKind => {
  switch (kindOf(data)) {
    case "mint":
      return { type: "mint", mint: readMint(data) }
    case "account":
      return { type: "account", account: readTokenAccount(data) }
    case "multisig":
      return { type: "multisig", multisig: readMultisig(data) }
    default:
      throw new ParseFailure("not a token account layout")
  }
}
