// Copies program binaries from any RPC endpoint into the program cache. Upgradeable programs
// keep their code in a separate ProgramData account: program account = u32 tag 2 + ProgramData
// address; ProgramData = u32 tag 3, u64 slot, option byte + 32-byte authority, ELF from byte 45.
import { mkdirSync, renameSync, writeFileSync } from "node:fs"
import { fromBase64, isAddress, toBase58 } from "./Encoding.ts"
import { defaultProgramsDir, KNOWN_PROGRAMS, programName, programPath, sha256Hex } from "./ProgramCache.ts"

export const BPF_LOADER_UPGRADEABLE = "BPFLoaderUpgradeab1e11111111111111111111111"
const BPF_LOADER_2 = "BPFLoader2111111111111111111111111111111111"
const BPF_LOADER_1 = "BPFLoader1111111111111111111111111111111111"
const PROGRAM_TAG = 2
const PROGRAM_DATA_TAG = 3
export const PROGRAM_DATA_ELF_OFFSET = 45

export interface FetchedProgram {
  readonly programId: string
  readonly name: string | undefined
  readonly path: string
  readonly size: number
  readonly sha256: string
}

export interface FetchProgramsOptions {
  readonly rpcUrl: string
  /** Defaults to the program cache (SOLANA_PROGRAMS_DIR or ~/.cache/tickettoken-minting/programs). */
  readonly outDir?: string
  /** Defaults to Bubblegum, SPL account compression, SPL noop and Token Metadata. */
  readonly programIds?: ReadonlyArray<string>
  readonly fetch?: typeof fetch
}

interface RpcAccount {
  readonly owner: string
  readonly executable: boolean
  readonly data: Uint8Array
}

const getAccount = async (
  rpcUrl: string,
  address: string,
  fetchFn: typeof fetch
): Promise<RpcAccount | null> => {
  const response = await fetchFn(rpcUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "getAccountInfo",
      params: [address, { encoding: "base64", commitment: "confirmed" }]
    })
  })
  if (!response.ok) throw new Error(`getAccountInfo ${address}: HTTP ${response.status} from ${rpcUrl}`)
  const body = (await response.json()) as {
    result?: { value: { owner: string; executable: boolean; data: [string, string] } | null }
    error?: { code: number; message: string }
  }
  if (body.error) throw new Error(`getAccountInfo ${address}: ${body.error.code} ${body.error.message}`)
  const value = body.result?.value
  if (!value) return null
  return { owner: value.owner, executable: value.executable, data: fromBase64(value.data[0]) }
}

/**
 * The length of an ELF image from its own headers: ProgramData accounts are often larger than the
 * program (room for upgrades) and padded with zeros, while an ELF may itself end in zero bytes,
 * so trimming zeros could cut a real file short.
 */
export const elfLength = (bytes: Uint8Array): number => {
  const isElf = bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46
  if (!isElf || bytes[4] !== 2 || bytes.length < 64) return bytes.length // not a 64-bit ELF: keep all
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const littleEndian = bytes[5] === 1
  const u16 = (at: number) => view.getUint16(at, littleEndian)
  const u32 = (at: number) => view.getUint32(at, littleEndian)
  const u64 = (at: number) => Number(view.getBigUint64(at, littleEndian))
  const phoff = u64(32)
  const shoff = u64(40)
  const phentsize = u16(54)
  const phnum = u16(56)
  const shentsize = u16(58)
  const shnum = u16(60)
  let end = Math.max(64, phoff + phentsize * phnum, shoff + shentsize * shnum)
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize
    if (at + 56 <= bytes.length) end = Math.max(end, u64(at + 8) + u64(at + 32))
  }
  const SHT_NOBITS = 8
  for (let i = 0; i < shnum; i++) {
    const at = shoff + i * shentsize
    if (at + 64 <= bytes.length && u32(at + 4) !== SHT_NOBITS)
      end = Math.max(end, u64(at + 24) + u64(at + 32))
  }
  return Math.min(end, bytes.length)
}

/** The ELF of one program, read through its loader's account layout. */
export const fetchProgramElf = async (
  rpcUrl: string,
  programId: string,
  fetchFn: typeof fetch = fetch
): Promise<Uint8Array> => {
  const program = await getAccount(rpcUrl, programId, fetchFn)
  if (!program) throw new Error(`program account ${programId} not found at ${rpcUrl}`)
  if (!program.executable) throw new Error(`account ${programId} is not executable`)
  if (program.owner === BPF_LOADER_2 || program.owner === BPF_LOADER_1) {
    return program.data.subarray(0, elfLength(program.data))
  }
  if (program.owner !== BPF_LOADER_UPGRADEABLE) {
    throw new Error(`program ${programId} is owned by ${program.owner}, not a BPF loader`)
  }
  const view = new DataView(program.data.buffer, program.data.byteOffset, program.data.byteLength)
  if (program.data.length < 36 || view.getUint32(0, true) !== PROGRAM_TAG) {
    throw new Error(`program account ${programId} does not hold a ProgramData address`)
  }
  const programDataAddress = toBase58(program.data.subarray(4, 36))
  const programData = await getAccount(rpcUrl, programDataAddress, fetchFn)
  if (!programData) throw new Error(`ProgramData ${programDataAddress} of ${programId} not found`)
  const dataView = new DataView(
    programData.data.buffer,
    programData.data.byteOffset,
    programData.data.byteLength
  )
  if (
    programData.data.length <= PROGRAM_DATA_ELF_OFFSET ||
    dataView.getUint32(0, true) !== PROGRAM_DATA_TAG
  ) {
    throw new Error(`account ${programDataAddress} is not a ProgramData account`)
  }
  const elf = programData.data.subarray(PROGRAM_DATA_ELF_OFFSET)
  return elf.subarray(0, elfLength(elf))
}

/** Fetches each program and writes `<programId>.so` into the cache, replacing what was there. */
export const fetchPrograms = async (options: FetchProgramsOptions): Promise<FetchedProgram[]> => {
  const outDir = options.outDir ?? defaultProgramsDir()
  const ids = options.programIds ?? KNOWN_PROGRAMS.map((program) => program.programId)
  for (const id of ids) if (!isAddress(id)) throw new Error(`not a program id: ${id}`)
  mkdirSync(outDir, { recursive: true })
  const fetched: FetchedProgram[] = []
  for (const programId of ids) {
    const elf = await fetchProgramElf(options.rpcUrl, programId, options.fetch ?? fetch)
    const path = programPath(outDir, programId)
    // Write then rename, so a localnet starting meanwhile never loads half a file.
    const partial = `${path}.partial`
    writeFileSync(partial, elf)
    renameSync(partial, path)
    fetched.push({ programId, name: programName(programId), path, size: elf.length, sha256: sha256Hex(elf) })
  }
  return fetched
}
