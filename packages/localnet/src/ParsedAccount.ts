// getAccountInfo's jsonParsed: the account shapes of agave's account-decoder for the programs a
// devnet client reads (SPL Token and Token-2022 mints, accounts and multisigs; sysvars; the
// upgradeable loader; nonce accounts). Anything else, or data that does not parse, is answered
// in base64 as a validator does. Token-2022 extensions are not decoded (`extensions` is left out).
import { ByteReader, ParseFailure } from "./ByteReader.ts"
import { toBase64 } from "./Encoding.ts"
import { uiTokenAmount } from "./TokenAmount.ts"
import {
  isTokenProgram,
  readMint,
  readTokenState,
  TOKEN_2022_PROGRAM,
  type TokenAccountState
} from "./TokenLayout.ts"

export const SYSTEM_PROGRAM = "11111111111111111111111111111111"
export const UPGRADEABLE_LOADER = "BPFLoaderUpgradeab1e11111111111111111111111"
const SYSVAR_OWNER = "Sysvar1111111111111111111111111111111111111"
const NONCE_ACCOUNT_SIZE = 80

export interface ParsedAccountData {
  readonly program: string
  readonly parsed: unknown
  readonly space: number
}

export interface ParsableAccount {
  readonly address: string
  readonly owner: string
  readonly data: Uint8Array
}

/** Reads another account (a token account's mint, for its decimals). */
export type AccountLookup = (address: string) => { readonly owner: string; readonly data: Uint8Array } | null

const tokenStateName = (state: number): string =>
  state === 2 ? "frozen" : state === 1 ? "initialized" : "uninitialized"

export const mintDecimals = (lookup: AccountLookup, mint: string): number | undefined => {
  const account = lookup(mint)
  if (!account || !isTokenProgram(account.owner)) return undefined
  try {
    return readMint(account.data).decimals
  } catch {
    return undefined
  }
}

export const uiTokenAccount = (account: TokenAccountState, decimals: number) => ({
  mint: account.mint,
  owner: account.owner,
  tokenAmount: uiTokenAmount(account.amount, decimals),
  ...(account.delegate === null ? {} : { delegate: account.delegate }),
  state: tokenStateName(account.state),
  isNative: account.isNative !== null,
  ...(account.isNative === null ? {} : { rentExemptReserve: uiTokenAmount(account.isNative, decimals) }),
  ...(account.delegate === null ? {} : { delegatedAmount: uiTokenAmount(account.delegatedAmount, decimals) }),
  ...(account.closeAuthority === null ? {} : { closeAuthority: account.closeAuthority })
})

const parseToken = (account: ParsableAccount, lookup: AccountLookup): unknown => {
  const state = readTokenState(account.data)
  switch (state.type) {
    case "mint":
      return {
        type: "mint",
        info: {
          mintAuthority: state.mint.mintAuthority,
          supply: state.mint.supply.toString(),
          decimals: state.mint.decimals,
          isInitialized: state.mint.isInitialized,
          freezeAuthority: state.mint.freezeAuthority
        }
      }
    case "account": {
      const decimals = mintDecimals(lookup, state.account.mint)
      if (decimals === undefined) throw new ParseFailure("mint of the token account not found")
      return { type: "account", info: uiTokenAccount(state.account, decimals) }
    }
    case "multisig":
      return {
        type: "multisig",
        info: {
          numRequiredSigners: state.multisig.m,
          numValidSigners: state.multisig.n,
          isInitialized: state.multisig.isInitialized,
          signers: state.multisig.signers
        }
      }
  }
}

const parseUpgradeableLoader = (data: Uint8Array): unknown => {
  const reader = new ByteReader(data)
  switch (reader.u32()) {
    case 0:
      return { type: "uninitialized" }
    case 1: {
      const authority = reader.optionPubkey()
      return { type: "buffer", info: { authority, data: [toBase64(data.subarray(37)), "base64"] } }
    }
    case 2:
      return { type: "program", info: { programData: reader.pubkey() } }
    case 3: {
      const slot = reader.u64()
      const authority = reader.optionPubkey()
      return { type: "programData", info: { slot, authority, data: [toBase64(data.subarray(45)), "base64"] } }
    }
    default:
      throw new ParseFailure("unknown upgradeable-loader account")
  }
}

const sysvarParsers: Readonly<Record<string, (reader: ByteReader) => unknown>> = {
  SysvarC1ock11111111111111111111111111111111: (reader) => {
    const slot = reader.u64()
    const epochStartTimestamp = reader.i64()
    const epoch = reader.u64()
    const leaderScheduleEpoch = reader.u64()
    const unixTimestamp = reader.i64()
    return { type: "clock", info: { slot, epoch, epochStartTimestamp, leaderScheduleEpoch, unixTimestamp } }
  },
  SysvarRent111111111111111111111111111111111: (reader) => ({
    type: "rent",
    info: {
      lamportsPerByteYear: reader.u64().toString(),
      exemptionThreshold: reader.f64(),
      burnPercent: reader.u8()
    }
  }),
  SysvarEpochSchedu1e111111111111111111111111: (reader) => ({
    type: "epochSchedule",
    info: {
      slotsPerEpoch: reader.u64(),
      leaderScheduleSlotOffset: reader.u64(),
      warmup: reader.u8() === 1,
      firstNormalEpoch: reader.u64(),
      firstNormalSlot: reader.u64()
    }
  }),
  SysvarS1otHashes111111111111111111111111111: (reader) => {
    const count = Number(reader.u64())
    const info: Array<{ slot: bigint; hash: string }> = []
    for (let i = 0; i < count; i++) info.push({ slot: reader.u64(), hash: reader.pubkey() })
    return { type: "slotHashes", info }
  },
  SysvarLastRestartS1ot1111111111111111111111: (reader) => ({
    type: "lastRestartSlot",
    info: { lastRestartSlot: reader.u64() }
  })
}

const parseNonce = (data: Uint8Array): unknown => {
  if (data.length !== NONCE_ACCOUNT_SIZE) throw new ParseFailure("not a nonce account")
  const reader = new ByteReader(data)
  reader.u32() // version
  if (reader.u32() === 0) return { type: "uninitialized" }
  const authority = reader.pubkey()
  const blockhash = reader.pubkey()
  const lamportsPerSignature = reader.u64()
  return {
    type: "initialized",
    info: { authority, blockhash, feeCalculator: { lamportsPerSignature: lamportsPerSignature.toString() } }
  }
}

/** The parsed form of an account, or undefined where a validator answers base64. */
export const parseAccount = (
  account: ParsableAccount,
  lookup: AccountLookup
): ParsedAccountData | undefined => {
  const space = account.data.length
  try {
    if (isTokenProgram(account.owner)) {
      const program = account.owner === TOKEN_2022_PROGRAM ? "spl-token-2022" : "spl-token"
      return { program, parsed: parseToken(account, lookup), space }
    }
    if (account.owner === UPGRADEABLE_LOADER) {
      return { program: "bpf-upgradeable-loader", parsed: parseUpgradeableLoader(account.data), space }
    }
    if (account.owner === SYSVAR_OWNER) {
      const parser = sysvarParsers[account.address]
      return parser ? { program: "sysvar", parsed: parser(new ByteReader(account.data)), space } : undefined
    }
    if (account.owner === SYSTEM_PROGRAM && space === NONCE_ACCOUNT_SIZE) {
      return { program: "nonce", parsed: parseNonce(account.data), space }
    }
  } catch (error) {
    if (error instanceof ParseFailure || error instanceof RangeError) return undefined
    throw error
  }
  return undefined
}
