// A JSON-RPC proxy that misbehaves on purpose, in front of the localnet (or any RPC on this
// machine): per method and by schedule it answers 429, holds a request until the client gives
// up, forwards a request and then cuts the connection before the answer (the transaction landed
// but the sender never heard), answers getBlockHeight/getLatestBlockhash like a node that lags
// behind, or goes down altogether (connections refused). WebSocket upgrades pass through
// untouched. Everything else is forwarded as is.
//
// Loopback only, both ways. Bounded: a capped number of rules and held requests, holds end by
// themselves, an outage needs an end. Controlled in-process (`add`, `clear`, `stats`), over a
// small HTTP control API on its own port (`controlPort`), or by the CLI's --fault flags.
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse
} from "node:http"
import { connect, type Socket } from "node:net"
import type { Duplex } from "node:stream"
import {
  type FaultAction,
  type FaultKind,
  type FaultRule,
  type InstalledRule,
  inWindow,
  LIMITS,
  parseRule,
  pick,
  ruleProblem,
  spent
} from "./FaultRules.ts"

export {
  type FaultAction,
  type FaultKind,
  type FaultRule,
  type InstalledRule,
  LIMITS as FAULT_LIMITS,
  parseRule as parseFaultRule
} from "./FaultRules.ts"

export interface FaultProxyOptions {
  /** The RPC behind the proxy, on this machine: http://127.0.0.1:8899. */
  readonly upstream: string
  /** 0 (the default): a free port whose successor is free too. */
  readonly port?: number
  /** Defaults to port + 1, where web3.js looks for the WebSocket. */
  readonly wsPort?: number
  /** A port for the control API (GET/POST/DELETE /faults); none unless given (0: a free one). */
  readonly controlPort?: number
  readonly rules?: ReadonlyArray<FaultRule>
  /** For reproducible probabilities. */
  readonly random?: () => number
}

export interface FaultProxyStats {
  /** JSON-RPC calls seen, by method (a batch counts each call). */
  readonly calls: Readonly<Record<string, number>>
  /** Requests faulted, by fault. */
  readonly faults: Readonly<Record<FaultKind, number>>
  /** Calls faulted, by method and fault. */
  readonly faultedCalls: Readonly<Record<string, Partial<Record<FaultKind, number>>>>
  /** Requests currently held. */
  readonly held: number
  readonly down: boolean
}

export interface FaultProxy {
  readonly rpcUrl: string
  readonly wsUrl: string
  readonly port: number
  readonly wsPort: number
  readonly controlUrl: string | null
  /** Installs a rule (its window starts now); returns its id. */
  add(rule: FaultRule): number
  remove(id: number): boolean
  /** Removes every rule and ends an outage at once. */
  clear(): void
  rules(): ReadonlyArray<InstalledRule>
  stats(): FaultProxyStats
  /** Calls of this method seen so far, faulted or not. */
  calls(method: string): number
  close(): Promise<void>
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "[::1]"])
const MAX_BODY_BYTES = 50 * 1024 * 1024
const MAX_HELD = 1_024
/** getLatestBlockhash answers remembered for lagging (one per blockhash). */
const BLOCKHASH_HISTORY = 4_096
const SAMPLE_MS = 50

interface BlockhashAnswer {
  readonly slot: number
  readonly blockhash: string
  readonly lastValidBlockHeight: number
}

interface RpcCall {
  readonly id: unknown
  readonly method: string
}

const callsOf = (body: string): ReadonlyArray<RpcCall> => {
  try {
    const parsed: unknown = JSON.parse(body)
    const items = Array.isArray(parsed) ? parsed : [parsed]
    return items.map((item) => {
      const record = (typeof item === "object" && item !== null ? item : {}) as Record<string, unknown>
      return { id: record.id, method: typeof record.method === "string" ? record.method : "unknown" }
    })
  } catch {
    return [{ id: null, method: "unknown" }]
  }
}

const readBody = (req: IncomingMessage): Promise<string | undefined> =>
  new Promise((resolve) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on("data", (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        req.destroy()
        resolve(undefined)
        return
      }
      chunks.push(chunk)
    })
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    req.on("error", () => resolve(undefined))
  })

const listen = (server: Server, port: number): Promise<number> =>
  new Promise((resolve, reject) => {
    const onError = (error: Error) => {
      server.off("listening", onListening)
      reject(error)
    }
    const onListening = () => {
      server.off("error", onError)
      const address = server.address()
      resolve(typeof address === "object" && address !== null ? address.port : port)
    }
    server.once("error", onError)
    server.once("listening", onListening)
    server.listen(port, "127.0.0.1")
  })

const stopListening = (server: Server): Promise<void> =>
  new Promise((resolve) => (server.listening ? server.close(() => resolve()) : resolve()))

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export const startFaultProxy = async (options: FaultProxyOptions): Promise<FaultProxy> => {
  const upstream = new URL(options.upstream)
  if (upstream.protocol !== "http:" || !LOOPBACK.has(upstream.hostname)) {
    throw new Error(`fault proxy: the upstream must be http on this machine, not ${options.upstream}`)
  }
  const upstreamPort = Number(upstream.port || 80)
  const random = options.random ?? Math.random
  const agent = new Agent({ keepAlive: true, maxSockets: 256 })

  let nextId = 1
  const installed: InstalledRule[] = []
  const timers = new Set<NodeJS.Timeout>()
  const calls: Record<string, number> = {}
  const faults: Record<FaultKind, number> = { rateLimit: 0, hold: 0, dropResponse: 0, lag: 0, down: 0 }
  const faultedCalls: Record<string, Partial<Record<FaultKind, number>>> = {}
  const held = new Set<ServerResponse>()
  const sockets = new Set<Socket | Duplex>()
  const history: BlockhashAnswer[] = []
  let isDown = false
  let closed = false

  const later = (ms: number, fn: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer)
      fn()
    }, ms)
    timer.unref()
    timers.add(timer)
    return timer
  }

  const remember = (answer: BlockhashAnswer) => {
    const last = history[history.length - 1]
    if (last?.blockhash === answer.blockhash) return
    history.push(answer)
    if (history.length > BLOCKHASH_HISTORY) history.shift()
  }

  /** The newest remembered blockhash at least `blocks` older than `real`, else the oldest one. */
  const lagged = (real: BlockhashAnswer, blocks: number): BlockhashAnswer => {
    const target = real.lastValidBlockHeight - blocks
    let found: BlockhashAnswer | undefined
    for (const answer of history) {
      if (answer.lastValidBlockHeight <= target) found = answer
      else break
    }
    const oldest = history[0]
    return (
      found ??
      (oldest !== undefined && oldest.lastValidBlockHeight < real.lastValidBlockHeight ? oldest : real)
    )
  }

  const forward = (
    req: IncomingMessage,
    body: string
  ): Promise<{ status: number; headers: Record<string, string>; body: string }> =>
    new Promise((resolve, reject) => {
      const outgoing = httpRequest(
        {
          host: upstream.hostname,
          port: upstreamPort,
          method: req.method,
          path: req.url,
          agent,
          headers: {
            "content-type": req.headers["content-type"] ?? "application/json",
            "content-length": Buffer.byteLength(body)
          },
          timeout: 60_000
        },
        (res) => {
          const chunks: Buffer[] = []
          res.on("data", (chunk: Buffer) => chunks.push(chunk))
          res.on("error", reject)
          res.on("end", () => {
            const headers: Record<string, string> = {}
            const type = res.headers["content-type"]
            if (type !== undefined) headers["content-type"] = type
            resolve({ status: res.statusCode ?? 502, headers, body: Buffer.concat(chunks).toString("utf8") })
          })
        }
      )
      outgoing.on("timeout", () => outgoing.destroy(new Error("upstream timed out")))
      outgoing.on("error", reject)
      outgoing.end(body)
    })

  /** Rewrites getBlockHeight / getLatestBlockhash answers as a node `blocks` behind would give them. */
  const lagAnswer = (requestCalls: ReadonlyArray<RpcCall>, text: string, rule: InstalledRule): string => {
    if (rule.action.kind !== "lag") return text
    const blocks = rule.action.blocks
    const applies = (method: string) =>
      (method === "getBlockHeight" || method === "getLatestBlockhash") &&
      (rule.methods === undefined ||
        rule.methods.length === 0 ||
        rule.methods.includes("*") ||
        rule.methods.includes(method))
    const methodById = new Map(requestCalls.map((c) => [JSON.stringify(c.id), c.method]))
    try {
      const parsed: unknown = JSON.parse(text)
      const items = (Array.isArray(parsed) ? parsed : [parsed]) as Array<Record<string, unknown>>
      for (const item of items) {
        const method = methodById.get(JSON.stringify(item.id))
        if (method === undefined || !applies(method) || item.result === undefined) continue
        if (method === "getBlockHeight" && typeof item.result === "number") {
          item.result = Math.max(0, item.result - blocks)
        } else if (method === "getLatestBlockhash") {
          const result = item.result as { context: { slot: number }; value: BlockhashAnswer }
          const answer = lagged({ ...result.value, slot: result.context.slot }, blocks)
          item.result = {
            context: { ...result.context, slot: answer.slot },
            value: { blockhash: answer.blockhash, lastValidBlockHeight: answer.lastValidBlockHeight }
          }
        }
      }
      return JSON.stringify(Array.isArray(parsed) ? items : items[0])
    } catch {
      return text
    }
  }

  /** Remembers the blockhashes that pass by, so a lagging answer can be a real, older one. */
  const observe = (requestCalls: ReadonlyArray<RpcCall>, text: string) => {
    if (!requestCalls.some((c) => c.method === "getLatestBlockhash")) return
    try {
      const parsed: unknown = JSON.parse(text)
      for (const item of (Array.isArray(parsed) ? parsed : [parsed]) as Array<Record<string, unknown>>) {
        const result = item.result as
          | { context?: { slot?: number }; value?: Partial<BlockhashAnswer> }
          | undefined
        const value = result?.value
        if (typeof value?.blockhash === "string" && typeof value.lastValidBlockHeight === "number") {
          remember({
            slot: result?.context?.slot ?? 0,
            blockhash: value.blockhash,
            lastValidBlockHeight: value.lastValidBlockHeight
          })
        }
      }
    } catch {
      // Not JSON: nothing to remember.
    }
  }

  const count = (requestCalls: ReadonlyArray<RpcCall>, kind?: FaultKind) => {
    for (const { method } of requestCalls) {
      if (kind === undefined) calls[method] = (calls[method] ?? 0) + 1
      else {
        const byKind = faultedCalls[method] ?? {}
        byKind[kind] = (byKind[kind] ?? 0) + 1
        faultedCalls[method] = byKind
      }
    }
    if (kind !== undefined) faults[kind]++
  }

  const send = (res: ServerResponse, status: number, headers: Record<string, string>, body: string) => {
    if (res.writableEnded || res.destroyed) return
    res.writeHead(status, { ...headers, "content-length": Buffer.byteLength(body) })
    res.end(body)
  }

  const onRequest = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req)
    if (body === undefined) return
    const requestCalls = req.method === "POST" ? callsOf(body) : []
    count(requestCalls)
    const rule =
      requestCalls.length === 0
        ? undefined
        : pick(
            installed,
            requestCalls.map((c) => c.method),
            Date.now(),
            random
          )
    const action: FaultAction | undefined = rule?.action
    if (action !== undefined) count(requestCalls, action.kind)

    if (action?.kind === "rateLimit") {
      const first = requestCalls[0]
      send(
        res,
        429,
        {
          "content-type": "application/json",
          ...(action.retryAfterSeconds === undefined
            ? {}
            : { "retry-after": String(action.retryAfterSeconds) })
        },
        JSON.stringify({
          jsonrpc: "2.0",
          id: first?.id ?? null,
          error: {
            code: 429,
            message:
              "Too many requests for a specific RPC call, contact your app developer or support@rpcpool.com."
          }
        })
      )
      return
    }
    if (action?.kind === "hold") {
      if (held.size >= MAX_HELD) {
        res.socket?.destroy()
        return
      }
      held.add(res)
      const timer = later(Math.min(action.maxMs ?? LIMITS.defaultHoldMs, LIMITS.holdMs), () =>
        res.socket?.destroy()
      )
      res.once("close", () => {
        held.delete(res)
        clearTimeout(timer)
        timers.delete(timer)
      })
      return
    }

    let answer: Awaited<ReturnType<typeof forward>>
    try {
      answer = await forward(req, body)
    } catch (error) {
      send(res, 502, { "content-type": "text/plain" }, `fault proxy: upstream unreachable (${String(error)})`)
      return
    }
    observe(requestCalls, answer.body)
    if (action?.kind === "dropResponse") {
      // The upstream has executed it; the client hears nothing but a cut connection.
      res.socket?.destroy()
      return
    }
    const text =
      rule !== undefined && action?.kind === "lag" ? lagAnswer(requestCalls, answer.body, rule) : answer.body
    send(res, answer.status, answer.headers, text)
  }

  /** WebSocket upgrades go straight through, byte for byte. */
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (isDown) {
      socket.destroy()
      return
    }
    const tunnel = connect(upstreamPort, upstream.hostname, () => {
      const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`]
      for (let i = 0; i < req.rawHeaders.length; i += 2)
        lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`)
      tunnel.write(`${lines.join("\r\n")}\r\n\r\n`)
      if (head.length > 0) tunnel.write(head)
      socket.pipe(tunnel).pipe(socket)
    })
    sockets.add(socket)
    sockets.add(tunnel)
    const end = () => {
      socket.destroy()
      tunnel.destroy()
      sockets.delete(socket)
      sockets.delete(tunnel)
    }
    tunnel.on("error", end)
    tunnel.on("close", end)
    socket.on("error", end)
    socket.on("close", end)
  }

  const makeServer = () => {
    const server = createServer((req, res) => void onRequest(req, res))
    server.keepAliveTimeout = 65_000
    server.on("upgrade", onUpgrade)
    server.on("connection", (socket) => {
      sockets.add(socket)
      socket.once("close", () => sockets.delete(socket))
    })
    return server
  }
  const httpServer = makeServer()
  const wsServer = makeServer()

  let port = 0
  let wsPort = 0
  const attempts = (options.port ?? 0) === 0 && options.wsPort === undefined ? 50 : 1
  for (let attempt = 1; ; attempt++) {
    port = await listen(httpServer, options.port ?? 0)
    try {
      wsPort = await listen(wsServer, options.wsPort ?? port + 1)
      break
    } catch (error) {
      await stopListening(httpServer)
      if ((error as { code?: unknown }).code !== "EADDRINUSE" || attempt >= attempts) throw error
    }
  }

  /** Down while any `down` rule's window is open: listeners closed, open connections cut. */
  const syncDown = async () => {
    const now = Date.now()
    const shouldBeDown = !closed && installed.some((r) => r.action.kind === "down" && inWindow(r, now))
    if (shouldBeDown === isDown) return
    isDown = shouldBeDown
    if (isDown) {
      faults.down++
      // Stop listening, then cut what is open: close() waits for every open connection to end,
      // and a client's keep-alive connection never would, so an outage that only refused new
      // connections let a busy client mint straight through it.
      const closing = Promise.all([stopListening(httpServer), stopListening(wsServer)])
      for (const socket of sockets) socket.destroy()
      for (const res of held) res.socket?.destroy()
      httpServer.closeAllConnections()
      wsServer.closeAllConnections()
      await closing
      return
    }
    // Back up on the same ports; someone may have taken one meanwhile, so try for a while.
    for (let attempt = 0; attempt < 100 && !closed && !isDown; attempt++) {
      try {
        if (!httpServer.listening) await listen(httpServer, port)
        if (!wsServer.listening) await listen(wsServer, wsPort)
        return
      } catch {
        await sleep(50)
      }
    }
  }

  let sampler: NodeJS.Timeout | undefined
  /** While a lag rule is installed, the cluster's blockhashes are sampled so older ones exist to answer with. */
  const syncSampler = () => {
    const lagging = installed.some((r) => r.action.kind === "lag")
    if (lagging && sampler === undefined) {
      sampler = setInterval(() => {
        const body = JSON.stringify({
          jsonrpc: "2.0",
          id: 0,
          method: "getLatestBlockhash",
          params: [{ commitment: "confirmed" }]
        })
        const req = httpRequest(
          {
            host: upstream.hostname,
            port: upstreamPort,
            method: "POST",
            path: "/",
            agent,
            headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) }
          },
          (res) => {
            const chunks: Buffer[] = []
            res.on("data", (chunk: Buffer) => chunks.push(chunk))
            res.on("end", () =>
              observe([{ id: 0, method: "getLatestBlockhash" }], Buffer.concat(chunks).toString("utf8"))
            )
            res.on("error", () => {})
          }
        )
        req.on("error", () => {})
        req.end(body)
      }, SAMPLE_MS)
      sampler.unref()
    } else if (!lagging && sampler !== undefined) {
      clearInterval(sampler)
      sampler = undefined
    }
  }

  const prune = () => {
    const now = Date.now()
    for (let i = installed.length - 1; i >= 0; i--) {
      const rule = installed[i]!
      if (rule.action.kind !== "down" && spent(rule, now)) installed.splice(i, 1)
    }
  }

  const add = (rule: FaultRule): number => {
    const problem = ruleProblem(rule)
    if (problem !== undefined) throw new Error(`fault proxy: ${problem}`)
    prune()
    if (installed.length >= LIMITS.rules) throw new Error(`fault proxy: at most ${LIMITS.rules} rules`)
    const id = nextId++
    installed.push({ ...rule, id, addedAt: Date.now(), applied: 0 })
    if (rule.action.kind === "down") {
      const start = rule.afterMs ?? 0
      later(start, () => void syncDown())
      later(start + (rule.forMs ?? 0), () => {
        const index = installed.findIndex((r) => r.id === id)
        if (index >= 0) installed.splice(index, 1)
        void syncDown()
      })
    }
    syncSampler()
    return id
  }

  const remove = (id: number): boolean => {
    const index = installed.findIndex((r) => r.id === id)
    if (index < 0) return false
    installed.splice(index, 1)
    syncSampler()
    void syncDown()
    return true
  }

  const clear = () => {
    installed.length = 0
    syncSampler()
    void syncDown()
  }

  const stats = (): FaultProxyStats => ({
    calls: { ...calls },
    faults: { ...faults },
    faultedCalls: Object.fromEntries(Object.entries(faultedCalls).map(([m, k]) => [m, { ...k }])),
    held: held.size,
    down: isDown
  })

  const controlServer =
    options.controlPort === undefined
      ? undefined
      : createServer((req, res) => {
          const reply = (status: number, value: unknown) =>
            send(res, status, { "content-type": "application/json" }, JSON.stringify(value))
          void readBody(req).then((body) => {
            const path = (req.url ?? "/").split("?")[0]!
            try {
              if (path === "/health") return reply(200, { status: "ok" })
              if (path === "/faults" && req.method === "GET")
                return reply(200, { rules: installed, stats: stats() })
              if (path === "/faults" && req.method === "POST") {
                const parsed = JSON.parse(body ?? "") as FaultRule | { spec: string }
                const id = add("spec" in parsed ? parseRule(parsed.spec) : parsed)
                return reply(201, { id })
              }
              if (path === "/faults" && req.method === "DELETE") {
                clear()
                return reply(200, { cleared: true })
              }
              const match = /^\/faults\/(\d+)$/.exec(path)
              if (match !== null && req.method === "DELETE")
                return reply(remove(Number(match[1])) ? 200 : 404, {})
              return reply(404, { error: "GET|POST|DELETE /faults, DELETE /faults/:id, GET /health" })
            } catch (error) {
              return reply(400, { error: error instanceof Error ? error.message : String(error) })
            }
          })
        })
  const controlPort =
    controlServer === undefined ? undefined : await listen(controlServer, options.controlPort ?? 0)

  for (const rule of options.rules ?? []) add(rule)

  return {
    rpcUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${wsPort}`,
    port,
    wsPort,
    controlUrl: controlPort === undefined ? null : `http://127.0.0.1:${controlPort}`,
    add,
    remove,
    clear,
    rules: () => {
      prune()
      return [...installed]
    },
    stats,
    calls: (method) => calls[method] ?? 0,
    close: async () => {
      if (closed) return
      closed = true
      installed.length = 0
      syncSampler()
      for (const timer of timers) clearTimeout(timer)
      timers.clear()
      for (const res of held) res.socket?.destroy()
      for (const socket of sockets) socket.destroy()
      httpServer.closeAllConnections()
      wsServer.closeAllConnections()
      controlServer?.closeAllConnections()
      await Promise.all([
        stopListening(httpServer),
        stopListening(wsServer),
        controlServer === undefined ? Promise.resolve() : stopListening(controlServer)
      ])
      agent.destroy()
    }
  }
}
