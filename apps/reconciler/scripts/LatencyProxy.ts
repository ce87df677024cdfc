/**
 * A loopback HTTP proxy that holds every request for a fixed time before forwarding it: an RPC
 * endpoint "far away" for the benchmark and the daemon tests. 127.0.0.1 only.
 */
import http from "node:http"
import type { AddressInfo } from "node:net"

export interface LatencyProxy {
  readonly url: string
  /** HTTP requests forwarded so far. */
  readonly requests: () => number
  readonly close: () => Promise<void>
}

export const startLatencyProxy = async (options: {
  readonly target: string
  readonly delayMs: number
}): Promise<LatencyProxy> => {
  const target = new URL(options.target)
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 })
  let requests = 0
  const server = http.createServer((request, response) => {
    requests++
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => {
      setTimeout(() => {
        const upstream = http.request(
          {
            host: target.hostname,
            port: target.port,
            path: request.url,
            method: request.method,
            headers: { ...request.headers, host: target.host },
            agent
          },
          (answer) => {
            response.writeHead(answer.statusCode ?? 502, answer.headers)
            answer.pipe(response)
          }
        )
        upstream.on("error", (error) => {
          response.writeHead(502, { "content-type": "text/plain" })
          response.end(error.message)
        })
        upstream.end(Buffer.concat(chunks))
      }, options.delayMs)
    })
  })
  server.keepAliveTimeout = 60_000
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => resolve())
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => requests,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      agent.destroy()
    }
  }
}
