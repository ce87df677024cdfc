/**
 * CPU time of other processes on this machine (Linux's /proc), for the benchmarks that print how
 * a run's CPU splits between the service, the devnet and PostgreSQL: a wall-clock figure alone
 * cannot say which process a change made cheaper.
 */
import { readdirSync, readFileSync } from "node:fs"

/** A process's /proc stat fields after the command name (field 3 onwards), or undefined once it is gone. */
const statOf = (pid: number | string): Array<string> | undefined => {
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")
  } catch {
    return undefined
  }
}

/** Clock ticks per second of /proc's times (USER_HZ, 100 on every Linux this runs on). */
const TICKS_PER_SECOND = 100

/**
 * CPU time a process has used so far, in ms (user + system; with `reaped`, also that of its
 * children that exited and were waited for). NaN when the process is unknown or gone.
 */
export const cpuMs = (pid: number | string | undefined, reaped = false): number => {
  const fields = pid === undefined ? undefined : statOf(pid)
  if (fields === undefined) return Number.NaN
  const ticks = [11, 12, ...(reaped ? [13, 14] : [])].reduce((sum, i) => sum + Number(fields[i]), 0)
  return (ticks * 1000) / TICKS_PER_SECOND
}

/** The PostgreSQL server listening on `port`: its postmaster's pid, found by its command line. */
export const postmasterOf = (port: number): string | undefined =>
  readdirSync("/proc").find((entry) => {
    if (!/^\d+$/.test(entry)) return false
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0")
      return argv[0]!.endsWith("postgres") && argv.some((a) => a === String(port) || a === `port=${port}`)
    } catch {
      return false
    }
  })

/** The postmaster of a PostgreSQL backend (`SELECT pg_backend_pid()`): the backend's parent. */
export const postmasterOfBackend = (backend: number): string | undefined => statOf(backend)?.[1]

/**
 * CPU time of a PostgreSQL server so far, in ms: its postmaster, its live backends and the ones
 * that exited. NaN when there is no such server.
 */
export const postgresCpuMs = (postmaster: string | undefined): number => {
  if (postmaster === undefined) return Number.NaN
  let total = cpuMs(postmaster, true)
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue
    const fields = statOf(entry)
    if (fields !== undefined && fields[1] === postmaster) total += cpuMs(entry)
  }
  return total
}
