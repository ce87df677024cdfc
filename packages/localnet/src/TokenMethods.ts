// Token queries as a validator answers them: getTokenAccountBalance, getTokenSupply,
// getTokenAccountsByOwner / ByDelegate (filtered by mint or by program), getTokenLargestAccounts.
import type { Address } from "@solana/kit"
import type { LiteSVM } from "litesvm"
import { isAddress } from "./Encoding.ts"
import { commitmentOf, configAt, invalidParams, type MethodHandler } from "./JsonRpc.ts"
import { mintDecimals } from "./ParsedAccount.ts"
import type { Commitment } from "./SlotClock.ts"
import { uiTokenAmount } from "./TokenAmount.ts"
import { isTokenProgram, kindOf, readMint, readTokenAccount } from "./TokenLayout.ts"
import { type AccountLike, accountEncodingOf, dataSliceOf, encodeAccount } from "./TransactionView.ts"

const LARGEST_ACCOUNTS = 20

export interface TokenContext {
  readonly svm: LiteSVM
  readonly withContext: (slot: number, value: unknown) => unknown
  readonly contextSlot: (config: Record<string, unknown>, commitment: Commitment) => number
  readonly readAccount: (address: string) => AccountLike | null
}

const addressParam = (params: ReadonlyArray<unknown>, index: number): string => {
  const value = params[index]
  if (!isAddress(value)) throw invalidParams("Invalid param: WrongSize")
  return value
}

export const makeTokenMethods = (ctx: TokenContext): Record<string, MethodHandler> => {
  const lookup = (address: string) => ctx.readAccount(address)

  /** Every token account (both token programs), as [address, account]. */
  const tokenAccounts = (programs: ReadonlyArray<string>) =>
    programs.flatMap((program) =>
      ctx.svm
        .getProgramAccounts(program as Address)
        .filter((account) => kindOf(account.data as Uint8Array) === "account")
        .map((account) => ({
          address: account.address as string,
          account: {
            lamports: account.lamports,
            owner: account.programAddress as string,
            data: account.data as Uint8Array,
            executable: account.executable
          } satisfies AccountLike
        }))
    )

  const accountsBy = (field: "owner" | "delegate") => (params: ReadonlyArray<unknown>) => {
    const who = addressParam(params, 0)
    const filter = params[1] as { mint?: unknown; programId?: unknown } | undefined
    let programs: string[]
    let mint: string | undefined
    if (filter && typeof filter.mint === "string") {
      if (!isAddress(filter.mint)) throw invalidParams("Invalid param: WrongSize")
      mint = filter.mint
      const mintAccount = ctx.readAccount(mint)
      if (!mintAccount || !isTokenProgram(mintAccount.owner))
        throw invalidParams("Invalid param: could not find mint")
      programs = [mintAccount.owner]
    } else if (filter && typeof filter.programId === "string") {
      if (!isTokenProgram(filter.programId)) {
        throw invalidParams("Invalid param: unrecognized Token program id")
      }
      programs = [filter.programId]
    } else {
      throw invalidParams("Invalid params: expected `mint` or `programId` in the filter")
    }
    const config = configAt(params, 2)
    const slot = ctx.contextSlot(config, commitmentOf(config))
    const encoding = accountEncodingOf(config.encoding, "binary")
    const slice = dataSliceOf(config.dataSlice)
    const matches = tokenAccounts(programs).filter(({ account }) => {
      const state = readTokenAccount(account.data)
      return state[field] === who && (mint === undefined || state.mint === mint)
    })
    return ctx.withContext(
      slot,
      matches.map(({ address, account }) => ({
        pubkey: address,
        account: encodeAccount(account, encoding, slice, { address, lookup })
      }))
    )
  }

  return {
    getTokenAccountBalance: (params) => {
      const address = addressParam(params, 0)
      const config = configAt(params, 1)
      const slot = ctx.contextSlot(config, commitmentOf(config))
      const account = ctx.readAccount(address)
      if (!account || !isTokenProgram(account.owner) || kindOf(account.data) !== "account") {
        throw invalidParams("Invalid param: not a Token account")
      }
      const state = readTokenAccount(account.data)
      const decimals = mintDecimals(lookup, state.mint)
      if (decimals === undefined) throw invalidParams("Invalid param: could not find mint")
      return ctx.withContext(slot, uiTokenAmount(state.amount, decimals))
    },

    getTokenSupply: (params) => {
      const address = addressParam(params, 0)
      const config = configAt(params, 1)
      const slot = ctx.contextSlot(config, commitmentOf(config))
      const account = ctx.readAccount(address)
      if (!account || !isTokenProgram(account.owner) || kindOf(account.data) !== "mint") {
        throw invalidParams("Invalid param: not a Token mint")
      }
      const mint = readMint(account.data)
      return ctx.withContext(slot, uiTokenAmount(mint.supply, mint.decimals))
    },

    getTokenAccountsByOwner: accountsBy("owner"),

    getTokenAccountsByDelegate: accountsBy("delegate"),

    getTokenLargestAccounts: (params) => {
      const mint = addressParam(params, 0)
      const config = configAt(params, 1)
      const slot = ctx.contextSlot(config, commitmentOf(config))
      const mintAccount = ctx.readAccount(mint)
      if (!mintAccount || !isTokenProgram(mintAccount.owner) || kindOf(mintAccount.data) !== "mint") {
        throw invalidParams("Invalid param: not a Token mint")
      }
      const { decimals } = readMint(mintAccount.data)
      const holders = tokenAccounts([mintAccount.owner])
        .map(({ address, account }) => ({ address, state: readTokenAccount(account.data) }))
        .filter(({ state }) => state.mint === mint)
        .sort((a, b) => (b.state.amount > a.state.amount ? 1 : b.state.amount < a.state.amount ? -1 : 0))
        .slice(0, LARGEST_ACCOUNTS)
      return ctx.withContext(
        slot,
        holders.map(({ address, state }) => ({ address, ...uiTokenAmount(state.amount, decimals) }))
      )
    }
  }
}
