// HTTP and WebSocket listeners around the JSON-RPC handler. web3.js 1.x derives its WebSocket
// URL from the HTTP one by adding 1 to an explicit port (makeWebsocketUrl), as agave-validator
// listens; other clients upgrade on the RPC port itself. Both listeners therefore serve both.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import type { Duplex } from "node:stream"
import { WebSocketServer } from "ws"
import { encodeJson, type JsonRpcResponse, parseRequestText } from "./JsonRpc.ts"
import type { WebSocketSubscriptions } from "./WebSocketSubscriptions.ts"

const MAX_BODY_BYTES = 50 * 1024 * 1024

export interface RpcServerOptions {
  readonly host: string
  /** 0 picks a free port whose successor is free too. */
  readonly port: number
  /** Defaults to port + 1. */
  readonly wsPort?: number | undefined
  readonly handle: (request: unknown) => JsonRpcResponse | JsonRpcResponse[]
  readonly subscriptions: WebSocketSubscriptions
}

export interface RpcServer {
  readonly port: number
  readonly wsPort: number
  close(): Promise<void>
}

const corsHeaders = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "POST, GET, OPTIONS",
  "access-control-allow-headers": "content-type, solana-client"
}

const respond = (res: ServerResponse, status: number, body: string, type = "application/json"): void => {
  res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(body), ...corsHeaders })
  res.end(body)
}

const requestListener =
  (handle: RpcServerOptions["handle"]) =>
  (req: IncomingMessage, res: ServerResponse): void => {
    if (req.method === "OPTIONS") {
      respond(res, 204, "", "text/plain")
      return
    }
    // agave-validator answers GET /health for load balancers.
    if (req.method === "GET" && req.url === "/health") {
      respond(res, 200, "ok", "text/plain")
      return
    }
    if (req.method !== "POST") {
      respond(res, 405, "Used HTTP Method is not allowed. POST or OPTIONS is required", "text/plain")
      return
    }
    const chunks: Buffer[] = []
    let size = 0
    req.on("data", (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        respond(res, 413, "Payload Too Large", "text/plain")
        req.destroy()
        return
      }
      chunks.push(chunk)
    })
    req.on("end", () => {
      if (res.headersSent) return
      const parsed = parseRequestText(Buffer.concat(chunks).toString("utf8"))
      const response = parsed.ok ? handle(parsed.value) : parsed.response
      respond(res, 200, encodeJson(response))
    })
  }

const listen = (server: Server, host: string, port: number): Promise<number> =>
  new Promise((resolve, reject) => {
    const onError = (error: Error) => {
      server.off("listening", onListening)
      reject(error)
    }
    const onListening = () => {
      server.off("error", onError)
      resolve((server.address() as AddressInfo).port)
    }
    server.once("error", onError)
    server.once("listening", onListening)
    server.listen(port, host)
  })

const closeServer = (server: Server): Promise<void> =>
  new Promise((resolve) => {
    if (!server.listening) return resolve()
    server.close(() => resolve())
    // Keep-alive sockets from HTTP clients would hold close() open for seconds.
    server.closeAllConnections()
  })

const isAddressInUse = (error: unknown): boolean =>
  (error as { code?: unknown } | null)?.code === "EADDRINUSE"

export const startRpcServer = async (options: RpcServerOptions): Promise<RpcServer> => {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_BODY_BYTES })
  wss.on("connection", (socket) => {
    const connection = options.subscriptions.connect({
      send: (text) => {
        if (socket.readyState === socket.OPEN) socket.send(text)
      }
    })
    socket.on("message", (data, isBinary) => {
      if (!isBinary) connection.receive(data.toString())
    })
    socket.on("close", () => connection.close())
    socket.on("error", () => connection.close())
  })
  const makeServer = (): Server => {
    const server = createServer(requestListener(options.handle))
    server.keepAliveTimeout = 65_000
    server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req))
    })
    return server
  }

  const httpServer = makeServer()
  const wsServer = makeServer()
  let port = 0
  let wsPort = 0
  const attempts = options.port === 0 && options.wsPort === undefined ? 50 : 1
  for (let attempt = 1; ; attempt++) {
    port = await listen(httpServer, options.host, options.port)
    try {
      wsPort = await listen(wsServer, options.host, options.wsPort ?? port + 1)
      break
    } catch (error) {
      await closeServer(httpServer)
      if (!isAddressInUse(error) || attempt >= attempts) throw error
    }
  }

  return {
    port,
    wsPort,
    close: async () => {
      // A normal closure (1000) tells web3.js's client not to reconnect; a dropped socket would.
      for (const client of wss.clients) client.close(1000, "localnet closing")
      const deadline = Date.now() + 250
      while (wss.clients.size > 0 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 10))
      for (const client of wss.clients) client.terminate()
      await Promise.all([closeServer(httpServer), closeServer(wsServer)])
      await new Promise<void>((resolve) => wss.close(() => resolve()))
    }
  }
}
