// The PubSub side of the RPC: signatureSubscribe (which web3.js's confirmTransaction waits on
// before it polls) and slotSubscribe, with a validator's message shapes. A signature
// subscription fires once, when its transaction reaches the requested commitment, and is then gone.
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
import type { Commitment, SlotClock, SlotInfo } from "./SlotClock.ts"
import type { TransactionProcessor } from "./TransactionProcessor.ts"
import type { TransactionRecord, TransactionStore } from "./TransactionStore.ts"

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

interface ClientState {
  readonly client: SubscriptionClient
  readonly signatures: Map<number, SignatureSubscription>
  readonly slots: Set<number>
}

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

  constructor(clock: SlotClock, store: TransactionStore, processor: TransactionProcessor) {
    this.clock = clock
    this.store = store
    this.detach = [
      processor.onLanded((record) => this.landed(record)),
      clock.onSlot((info) => this.slot(info))
    ]
  }

  get subscriptionCount(): number {
    let count = 0
    for (const client of this.clients) count += client.signatures.size + client.slots.size
    return count
  }

  connect(client: SubscriptionClient): SubscriptionConnection {
    const state: ClientState = { client, signatures: new Map(), slots: new Set() }
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
      slotUnsubscribe: (params) => this.unsubscribe(params, (id) => state.slots.delete(id))
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

  private slot(info: SlotInfo): void {
    for (const [signature, subscriptions] of [...this.bySignature]) {
      const record = this.store.get(signature)
      if (!record) continue
      for (const subscription of [...subscriptions]) {
        if (this.clock.reached(record.slot, subscription.commitment))
          this.notifySignature(subscription, record)
      }
    }
    const root = Math.max(0, this.clock.rootSlot)
    for (const state of this.clients) {
      for (const id of state.slots) {
        this.notify(state.client, "slotNotification", id, { parent: info.parent, root, slot: info.slot })
      }
    }
  }
}
