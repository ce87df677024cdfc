export * from "./FaultProxy.ts"
export {
  BPF_LOADER_UPGRADEABLE,
  elfLength,
  type FetchedProgram,
  type FetchProgramsOptions,
  fetchProgramElf,
  fetchPrograms
} from "./fetchPrograms.ts"
export { ErrorCode, encodeJson, type JsonRpcRequest, type JsonRpcResponse } from "./JsonRpc.ts"
export { type Localnet, type LocalnetOptions, startLocalnet } from "./Localnet.ts"
export { type LocalnetProcess, type LocalnetProcessOptions, spawnLocalnet } from "./LocalnetProcess.ts"
export {
  type CachedProgram,
  defaultProgramsDir,
  FETCH_PROGRAMS_COMMAND,
  formatProgramReport,
  inspectProgramCache,
  KNOWN_PROGRAMS,
  type KnownProgram,
  loadPrograms,
  type ProgramCacheReport,
  type ProgramLoadReport,
  programPath,
  programsMissingForTests
} from "./ProgramCache.ts"
export { BLOCKHASH_VALIDITY_BLOCKS, type Commitment } from "./SlotClock.ts"
export type { TransactionRecord, TransactionStore } from "./TransactionStore.ts"
