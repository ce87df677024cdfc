// The PubSub side of the RPC, with a validator's message shapes: signatureSubscribe (which
// web3.js's confirmTransaction waits on before it polls), slotSubscribe, rootSubscribe, and
// account, logs and program subscriptions. A signature subscription fires once, when its
// transaction reaches the requested commitment, and is then gone. The others fire for each
// transaction as its slot reaches the subscription's commitment (processed: as it lands); an
// account notification carries the account as it is then (LiteSVM keeps no per-slot states).

import { isAddress } from "./Encoding.ts"
import {
  commitmentOf,
  configAt,
  ErrorCode,
  encodeJson,
  invalidParams,
  type MethodHandler,
  makeHandler,
  parseRequestText,
  RpcError
} from "./JsonRpc.ts"
import { type AccountFilter, programAccountFilters } from "./ProgramAccountFilters.ts"
import type { Commitment, SlotClock, SlotInfo } from "./SlotClock.ts"
import type { TransactionProcessor } from "./TransactionProcessor.ts"
import { allAccountKeys, type TransactionRecord, type TransactionStore } from "./TransactionStore.ts"
import {
  type AccountEncoding,
  type AccountLike,
  accountEncodingOf,
  encodeAccount
} from "./TransactionView.ts"
import { isWritableIndex } from "./WireTransaction.ts"

export interface SubscriptionClient {
  send(text: string): void
}

interface SignatureSubscription {
  readonly id: number
  readonly client: ClientState
  readonly signature: string
  readonly commitment: Commitment
  readonly receivedNotification: boolean
}

/** An account, logs or program subscription: told about transactions as they reach its commitment. */
interface TransactionSubscription {
  readonly id: number
  readonly kind: "account" | "logs" | "program"
  readonly commitment: Commitment
  /** account: its address; program: the program id; logs: a mentioned address, or undefined for all. */
  readonly address: string | undefined
  readonly encoding: AccountEncoding
  readonly filters: ReadonlyArray<AccountFilter>
}

interface ClientState {
  readonly client: SubscriptionClient
  readonly signatures: Map<number, SignatureSubscription>
  readonly slots: Set<number>
  readonly roots: Set<number>
  readonly transactions: Map<number, TransactionSubscription>
}

/** Reads an account as it is now, for account and program notifications. */
export type AccountReader = (address: string) => AccountLike | null

export interface SubscriptionConnection {
  /** Handles one text frame from the client. */
  receive(text: string): void
  close(): void
}

export class WebSocketSubscriptions {
  private readonly clock: SlotClock
  private readonly store: TransactionStore
  private nextId = 0
  private readonly clients = new Set<ClientState>()
  private readonly bySignature = new Map<string, Set<SignatureSubscription>>()
  private readonly detach: Array<() => void>
  private readonly readAccount: AccountReader

  constructor(
    clock: SlotClock,
    store: TransactionStore,
    processor: TransactionProcessor,
    readAccount: AccountReader
  ) {
    this.clock = clock
    this.store = store
    this.readAccount = readAccount
    this.detach = [
      processor.onLanded((record) => this.landed(record)),
      clock.onSlot((info) => this.slot(info))
    ]
  }

  get subscriptionCount(): number {
    let count = 0
    for (const client of this.clients) {
      count += client.signatures.size + client.slots.size + client.roots.size + client.transactions.size
    }
    return count
  }

  connect(client: SubscriptionClient): SubscriptionConnection {
    const state: ClientState = {
      client,
      signatures: new Map(),
      slots: new Set(),
      roots: new Set(),
      transactions: new Map()
    }
    this.clients.add(state)
    const handle = makeHandler(this.methodsFor(state))
    return {
      receive: (text) => {
        const parsed = parseRequestText(text)
        if (!parsed.ok) return client.send(encodeJson(parsed.response))
        // Requests without an id are notifications (web3.js sends a "ping" every few seconds):
        // JSON-RPC gives them no answer.
        const isNotification = (entry: unknown) =>
          typeof entry === "object" && entry !== null && !Array.isArray(entry) && !("id" in entry)
        if (isNotification(parsed.value)) return
        client.send(encodeJson(handle(parsed.value)))
      },
      close: () => this.disconnect(state)
    }
  }

  private disconnect(state: ClientState): void {
    for (const subscription of state.signatures.values()) this.removeSignature(subscription)
    state.signatures.clear()
    state.slots.clear()
    state.roots.clear()
    state.transactions.clear()
    this.clients.delete(state)
  }

  dispose(): void {
    for (const off of this.detach) off()
    for (const state of [...this.clients]) this.disconnect(state)
  }

  private methodsFor(state: ClientState): Record<string, MethodHandler> {
    return {
      signatureSubscribe: (params) => {
        const signature = params[0]
        if (typeof signature !== "string") throw invalidParams("expected a signature string")
        const config = configAt(params, 1)
        const subscription: SignatureSubscription = {
          id: this.nextId++,
          client: state,
          signature,
          commitment: commitmentOf(config),
          receivedNotification: config.enableReceivedNotification === true
        }
        state.signatures.set(subscription.id, subscription)
        const set = this.bySignature.get(signature)
        if (set) set.add(subscription)
        else this.bySignature.set(signature, new Set([subscription]))
        const record = this.store.get(signature)
        // Already there: notify right after the reply carrying the subscription id.
        if (record && this.clock.reached(record.slot, subscription.commitment)) {
          queueMicrotask(() => this.notifySignature(subscription, record))
        }
        return subscription.id
      },
      signatureUnsubscribe: (params) =>
        this.unsubscribe(params, (id) => {
          const subscription = state.signatures.get(id)
          if (!subscription) return false
          this.removeSignature(subscription)
          return true
        }),
      slotSubscribe: () => {
        const id = this.nextId++
        state.slots.add(id)
        return id
      },
      slotUnsubscribe: (params) => this.unsubscribe(params, (id) => state.slots.delete(id)),
      rootSubscribe: () => {
        const id = this.nextId++
        state.roots.add(id)
        return id
      },
      rootUnsubscribe: (params) => this.unsubscribe(params, (id) => state.roots.delete(id)),
      accountSubscribe: (params) => {
        const address = params[0]
        if (!isAddress(address)) throw invalidParams("Invalid param: WrongSize")
        const config = configAt(params, 1)
        return this.addTransactionSubscription(state, "account", address, config, [])
      },
      accountUnsubscribe: (params) => this.removeTransactionSubscription(state, params, "account"),
      programSubscribe: (params) => {
        const program = params[0]
        if (!isAddress(program)) throw invalidParams("Invalid param: WrongSize")
        const config = configAt(params, 1)
        return this.addTransactionSubscription(
          state,
          "program",
          program,
          config,
          programAccountFilters(config.filters)
        )
      },
      programUnsubscribe: (params) => this.removeTransactionSubscription(state, params, "program"),
      logsSubscribe: (params) => {
        const filter = params[0]
        let address: string | undefined
        if (filter === "all" || filter === "allWithVotes") address = undefined
        else if (
          typeof filter === "object" &&
          filter !== null &&
          Array.isArray((filter as { mentions?: unknown }).mentions)
        ) {
          const mentions = (filter as { mentions: unknown[] }).mentions
          // A validator takes exactly one address here.
          if (mentions.length !== 1 || !isAddress(mentions[0])) {
            throw invalidParams("Invalid Request: Only 1 address supported")
          }
          address = mentions[0]
        } else throw invalidParams('Invalid params: expected "all", "allWithVotes" or {mentions: [address]}')
        return this.addTransactionSubscription(state, "logs", address, configAt(params, 1), [])
      },
      logsUnsubscribe: (params) => this.removeTransactionSubscription(state, params, "logs")
    }
  }

  private addTransactionSubscription(
    state: ClientState,
    kind: TransactionSubscription["kind"],
    address: string | undefined,
    config: Record<string, unknown>,
    filters: ReadonlyArray<AccountFilter>
  ): number {
    const subscription: TransactionSubscription = {
      id: this.nextId++,
      kind,
      commitment: commitmentOf(config),
      address,
      encoding: accountEncodingOf(config.encoding, kind === "program" ? "base64" : "binary"),
      filters
    }
    state.transactions.set(subscription.id, subscription)
    return subscription.id
  }

  private removeTransactionSubscription(
    state: ClientState,
    params: ReadonlyArray<unknown>,
    kind: TransactionSubscription["kind"]
  ): boolean {
    return this.unsubscribe(params, (id) => {
      if (state.transactions.get(id)?.kind !== kind) return false
      return state.transactions.delete(id)
    })
  }

  /** Tells account, logs and program subscribers at `commitment` about a transaction. */
  private deliver(record: TransactionRecord, commitment: Commitment): void {
    const keys = allAccountKeys(record)
    const tx = record.transaction
    const written = keys.filter((_, index) =>
      isWritableIndex(tx, index, record.loadedAddresses.writable.length)
    )
    const context = { slot: record.slot }
    for (const state of this.clients) {
      for (const subscription of state.transactions.values()) {
        if (subscription.commitment !== commitment) continue
        const address = subscription.address
        switch (subscription.kind) {
          case "logs":
            if (address === undefined || keys.includes(address)) {
              this.notify(state.client, "logsNotification", subscription.id, {
                context,
                value: { signature: record.signature, err: record.err, logs: record.logs }
              })
            }
            break
          case "account":
            if (address !== undefined && written.includes(address)) {
              const account = this.readAccount(address)
              this.notify(state.client, "accountNotification", subscription.id, {
                context,
                value: account === null ? null : this.encode(account, subscription.encoding, address)
              })
            }
            break
          case "program":
            for (const key of written) {
              const account = this.readAccount(key)
              if (account === null || account.owner !== address) continue
              if (!subscription.filters.every((matches) => matches(account.data))) continue
              this.notify(state.client, "programNotification", subscription.id, {
                context,
                value: { pubkey: key, account: this.encode(account, subscription.encoding, key) }
              })
            }
            break
        }
      }
    }
  }

  /** Base58 is refused above 128 bytes; a notification then carries base64 rather than nothing. */
  private encode(account: AccountLike, encoding: AccountEncoding, address: string) {
    const parsing = { address, lookup: this.readAccount }
    try {
      return encodeAccount(account, encoding, undefined, parsing)
    } catch {
      return encodeAccount(account, "base64", undefined, parsing)
    }
  }

  private unsubscribe(params: ReadonlyArray<unknown>, remove: (id: number) => boolean): boolean {
    const id = params[0]
    if (typeof id !== "number") throw invalidParams("expected a subscription id")
    if (!remove(id)) throw new RpcError(ErrorCode.InvalidParams, "Invalid subscription id.")
    return true
  }

  private removeSignature(subscription: SignatureSubscription): void {
    subscription.client.signatures.delete(subscription.id)
    const set = this.bySignature.get(subscription.signature)
    set?.delete(subscription)
    if (set?.size === 0) this.bySignature.delete(subscription.signature)
  }

  private notify(client: SubscriptionClient, method: string, subscription: number, result: unknown): void {
    client.send(encodeJson({ jsonrpc: "2.0", method, params: { result, subscription } }))
  }

  private notifySignature(subscription: SignatureSubscription, record: TransactionRecord): void {
    if (!subscription.client.signatures.has(subscription.id)) return
    this.removeSignature(subscription)
    this.notify(subscription.client.client, "signatureNotification", subscription.id, {
      context: { slot: this.clock.slot },
      value: { err: record.err }
    })
  }

  private landed(record: TransactionRecord): void {
    if (this.hasTransactionSubscriptions()) this.deliver(record, "processed")
    const subscriptions = this.bySignature.get(record.signature)
    if (!subscriptions) return
    for (const subscription of [...subscriptions]) {
      if (subscription.receivedNotification) {
        this.notify(subscription.client.client, "signatureNotification", subscription.id, {
          context: { slot: record.slot },
          value: "receivedSignature"
        })
      }
      if (subscription.commitment === "processed") this.notifySignature(subscription, record)
    }
  }

  private hasTransactionSubscriptions(): boolean {
    for (const state of this.clients) if (state.transactions.size > 0) return true
    return false
  }

  private slot(info: SlotInfo): void {
    for (const [signature, subscriptions] of [...this.bySignature]) {
      const record = this.store.get(signature)
      if (!record) continue
      for (const subscription of [...subscriptions]) {
        if (this.clock.reached(record.slot, subscription.commitment))
          this.notifySignature(subscription, record)
      }
    }
    // Transactions whose slot has just become confirmed or finalized.
    if (this.hasTransactionSubscriptions()) {
      for (const commitment of ["confirmed", "finalized"] as const) {
        for (const record of this.store.inSlot(this.clock.reachedUpTo(commitment)))
          this.deliver(record, commitment)
      }
    }
    const root = Math.max(0, this.clock.rootSlot)
    for (const state of this.clients) {
      for (const id of state.slots) {
        this.notify(state.client, "slotNotification", id, { parent: info.parent, root, slot: info.slot })
      }
      if (this.clock.rootSlot >= this.clock.firstSlot) {
        for (const id of state.roots) this.notify(state.client, "rootNotification", id, root)
      }
    }
  }
}
