/**
 * A PostgreSQL server of a test's own: a fresh cluster in a temporary folder on a free port,
 * started and stopped at will. Tests that stop or restart PostgreSQL use one, so they never
 * take down the shared server other test files are using at the same moment.
 *
 * Needs the server binaries (Debian's postgresql package) and, when run as root, the
 * `postgres` user to run them as (PostgreSQL refuses to run as root).
 */
import { spawnSync } from "node:child_process"
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Migrations from "../Migrations.ts"

export interface DisposableServer {
  readonly port: number
  /** postgres://postgres@127.0.0.1:port/postgres (trust auth, no password). */
  readonly url: string
  readonly start: () => void
  readonly stop: () => void
  readonly restart: () => void
  /** Stops the server and removes its folder. */
  readonly dispose: () => void
}

const binDir = (): string | undefined => {
  const root = "/usr/lib/postgresql"
  if (!existsSync(root)) return undefined
  const version = readdirSync(root).sort((a, b) => Number(b) - Number(a))[0]
  return version === undefined ? undefined : join(root, version, "bin")
}

/** Why no disposable server can be made here, or undefined when one can. */
export const unavailableReason = (): string | undefined =>
  binDir() === undefined ? "PostgreSQL server binaries not found under /usr/lib/postgresql" : undefined

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))
      )
    })
  })

export const make = async (): Promise<DisposableServer> => {
  const bin = binDir()
  if (bin === undefined) throw new Error(unavailableReason())
  const asRoot = process.getuid?.() === 0
  const run = (tool: string, args: ReadonlyArray<string>) => {
    const [cmd, argv] = asRoot
      ? ["runuser", ["-u", "postgres", "--", join(bin, tool), ...args]]
      : [join(bin, tool), args]
    const result = spawnSync(cmd, argv as Array<string>, { encoding: "utf8", cwd: tmpdir() })
    if (result.status !== 0) throw new Error(`${tool} failed: ${result.stderr || result.stdout}`)
  }
  const dir = mkdtempSync(join(tmpdir(), "tt-pg-"))
  chmodSync(dir, 0o777)
  const data = join(dir, "data")
  const port = await freePort()
  run("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"])
  // search_path: every client of a test finds the service's tables (in their schema) by their
  // plain names, as on the databases TestDatabase.create makes.
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50 -c search_path=${Migrations.defaultSchema},public`
  const start = () => run("pg_ctl", ["-D", data, "-o", options, "-w", "-l", join(dir, "log"), "start"])
  const stop = () => run("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"])
  start()
  return {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start,
    stop,
    restart: () =>
      run("pg_ctl", ["-D", data, "-o", options, "-m", "fast", "-w", "-l", join(dir, "log"), "restart"]),
    dispose: () => {
      try {
        stop()
      } catch {
        // Already stopped.
      }
      rmSync(dir, { recursive: true, force: true })
    }
  }
}
