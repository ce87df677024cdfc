/**
 * A TCP proxy in front of the broker that can stall it (hold back everything it sends, confirms
 * and heartbeats included) or cut every connection: the network failures a broker restart
 * does not produce.
 */
import { createConnection, createServer, type Socket } from "node:net"
import { Effect } from "effect"

export interface FlakyNetwork {
  readonly port: number
  /** Hold back what the broker sends until `thaw`. */
  readonly freeze: () => void
  readonly thaw: () => void
  /** Drop every proxied connection, as a failing network would. */
  readonly cut: () => void
}

export const flakyNetwork = (target: { readonly host: string; readonly port: number }) =>
  Effect.acquireRelease(
    Effect.promise(
      () =>
        new Promise<{ proxy: FlakyNetwork; close: () => Promise<void> }>((resolve) => {
          const sockets = new Set<Socket>()
          const held: Array<{ to: Socket; data: Buffer }> = []
          let frozen = false
          const server = createServer((client) => {
            const upstream = createConnection(target)
            for (const s of [client, upstream]) {
              sockets.add(s)
              s.on("error", () => undefined)
              s.on("close", () => {
                sockets.delete(s)
                client.destroy()
                upstream.destroy()
              })
            }
            client.on("data", (data) => upstream.write(data))
            upstream.on("data", (data) => (frozen ? held.push({ to: client, data }) : client.write(data)))
          })
          server.listen(0, "127.0.0.1", () => {
            const address = server.address()
            const port = typeof address === "object" && address !== null ? address.port : 0
            resolve({
              proxy: {
                port,
                freeze: () => {
                  frozen = true
                },
                thaw: () => {
                  frozen = false
                  for (const { to, data } of held.splice(0)) if (!to.destroyed) to.write(data)
                },
                cut: () => {
                  for (const s of sockets) s.destroy()
                }
              },
              close: () =>
                new Promise<void>((done) => {
                  for (const s of sockets) s.destroy()
                  server.close(() => done())
                })
            })
          })
        })
    ),
    ({ close }) => Effect.promise(close)
  ).pipe(Effect.map(({ proxy }) => proxy))
