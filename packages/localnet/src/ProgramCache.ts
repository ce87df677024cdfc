// On-chain program binaries live in a cache folder outside the repository (they are other
// projects' builds, fetched from a cluster, never committed), one `<programId>.so` each.
import { createHash } from "node:crypto"
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs"
import { homedir } from "node:os"
import { join, resolve } from "node:path"
import type { Address } from "@solana/kit"
import type { LiteSVM } from "litesvm"
import { isAddress } from "./Encoding.ts"

export interface KnownProgram {
  readonly name: string
  readonly programId: string
}

/** The programs the minting service calls: Bubblegum v1 and what it invokes. */
export const KNOWN_PROGRAMS: ReadonlyArray<KnownProgram> = [
  { name: "mpl-bubblegum", programId: "BGUMAp9Gq7iTEuizy4pqaxsTyUCBK68MDfK752saRPUY" },
  { name: "spl-account-compression", programId: "cmtDvXumGCrqC1Age74AVPhSRVXJMd8PJS91L8KbNCK" },
  { name: "spl-noop", programId: "noopb9bkMVfRPU8AsbpTUg8AQkHtKwMYZiFUjNRtMmV" },
  { name: "mpl-token-metadata", programId: "metaqbxxUerdq28cj1RbAWkYQm3ybzjb6a8bt518x1s" }
]

export const programName = (programId: string): string | undefined =>
  KNOWN_PROGRAMS.find((program) => program.programId === programId)?.name

export const FETCH_PROGRAMS_COMMAND =
  "pnpm programs:fetch --rpc <any RPC URL that has these programs, e.g. mainnet-beta>"

export const defaultProgramsDir = (env: NodeJS.ProcessEnv = process.env): string => {
  const fromEnv = env.SOLANA_PROGRAMS_DIR
  return fromEnv !== undefined && fromEnv !== ""
    ? resolve(fromEnv)
    : join(homedir(), ".cache", "tickettoken-minting", "programs")
}

export const programPath = (dir: string, programId: string): string => join(dir, `${programId}.so`)

export interface CachedProgram {
  readonly programId: string
  readonly name: string | undefined
  readonly path: string
  readonly size: number
  readonly sha256: string
}

export interface ProgramCacheReport {
  readonly dir: string
  /** Every `<programId>.so` in the folder, known programs first. */
  readonly present: ReadonlyArray<CachedProgram>
  readonly missing: ReadonlyArray<KnownProgram>
}

export const sha256Hex = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex")

const describe = (dir: string, programId: string): CachedProgram => {
  const path = programPath(dir, programId)
  const bytes = readFileSync(path)
  return { programId, name: programName(programId), path, size: bytes.length, sha256: sha256Hex(bytes) }
}

/** What the cache folder holds, without loading anything. */
export const inspectProgramCache = (dir: string = defaultProgramsDir()): ProgramCacheReport => {
  const files = existsSync(dir) ? readdirSync(dir) : []
  const ids = files
    .filter((file) => file.endsWith(".so"))
    .map((file) => file.slice(0, -3))
    .filter((id) => isAddress(id) && statSync(programPath(dir, id)).isFile())
  const known = KNOWN_PROGRAMS.map((program) => program.programId)
  const ordered = [
    ...known.filter((id) => ids.includes(id)),
    ...ids.filter((id) => !known.includes(id)).sort()
  ]
  return {
    dir,
    present: ordered.map((id) => describe(dir, id)),
    missing: KNOWN_PROGRAMS.filter((program) => !ids.includes(program.programId))
  }
}

export interface ProgramLoadReport extends ProgramCacheReport {
  readonly loaded: ReadonlyArray<CachedProgram>
  readonly failed: ReadonlyArray<CachedProgram & { readonly error: string }>
}

/**
 * Loads every cached program into the SVM. LiteSVM's addProgram deploys through the upgradeable
 * loader: it writes the program account (tag 2 + ProgramData address) and the ProgramData
 * account (tag 3, slot, no authority, ELF from byte 45), so RPC readers see what a cluster shows.
 */
export const loadPrograms = (svm: LiteSVM, dir: string = defaultProgramsDir()): ProgramLoadReport => {
  const report = inspectProgramCache(dir)
  const loaded: CachedProgram[] = []
  const failed: Array<CachedProgram & { error: string }> = []
  for (const program of report.present) {
    try {
      svm.addProgramFromFile(program.programId as Address, program.path)
      loaded.push(program)
    } catch (error) {
      failed.push({ ...program, error: error instanceof Error ? error.message : String(error) })
    }
  }
  return { ...report, loaded, failed }
}

export const formatProgramReport = (report: ProgramLoadReport): string[] => {
  const lines = [`programs from ${report.dir}:`]
  for (const program of report.loaded) {
    lines.push(
      `  loaded   ${program.programId} ${program.name ?? ""} (${program.size} bytes, sha256 ${program.sha256})`
    )
  }
  for (const program of report.failed) {
    lines.push(`  FAILED   ${program.programId} ${program.name ?? ""}: ${program.error}`)
  }
  for (const program of report.missing) lines.push(`  missing  ${program.programId} ${program.name}`)
  if (report.missing.length > 0) lines.push(`  fetch the missing ones with: ${FETCH_PROGRAMS_COMMAND}`)
  return lines
}

/**
 * For test suites: why the real-chain cases cannot run here, or undefined when every program is
 * cached. Under CI (`CI=true`) a missing program is an error, not a skip: CI has the binaries
 * (`.ci/run` points SOLANA_PROGRAMS_DIR at them), so a skip there would hide a broken set-up.
 */
export const programsMissingForTests = (dir: string = defaultProgramsDir()): string | undefined => {
  const report = inspectProgramCache(dir)
  if (report.missing.length === 0) return undefined
  const reason = `program binaries missing from ${report.dir} (${report.missing.map((p) => p.name).join(", ")}); ${FETCH_PROGRAMS_COMMAND}`
  if (process.env.CI === "true") throw new Error(`CI runs every real-chain test: ${reason}`)
  return reason
}
