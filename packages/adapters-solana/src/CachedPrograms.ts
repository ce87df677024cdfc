/**
 * umi's program repository with its lookups remembered. Every instruction a mint builds asks
 * the repository for its programs by name ("mplBubblegum", "splNoop", "computeBudget"...), and
 * each lookup first tries the name as a public key, which throws and catches an error with its
 * stack trace: a dozen such errors a mint. The programs are registered once at start-up, so
 * an answer is kept until the registrations change.
 */
import type { ProgramRepositoryInterface } from "@metaplex-foundation/umi"

export const cachedPrograms = (repository: ProgramRepositoryInterface): ProgramRepositoryInterface => {
  const publicKeys = new Map<string, ReturnType<ProgramRepositoryInterface["getPublicKey"]>>()
  const programs = new Map<string, ReturnType<ProgramRepositoryInterface["get"]>>()
  const forget = () => {
    publicKeys.clear()
    programs.clear()
  }
  const cached: ProgramRepositoryInterface = {
    ...repository,
    get: ((identifier, clusterFilter) => {
      // Only string names and keys with the current cluster are kept (a failed lookup throws, and is not).
      if (clusterFilter !== undefined || typeof identifier !== "string")
        return repository.get(identifier, clusterFilter)
      let program = programs.get(identifier)
      if (program === undefined) {
        program = repository.get(identifier)
        programs.set(identifier, program)
      }
      return program
    }) as ProgramRepositoryInterface["get"],
    getPublicKey: (identifier, fallback, clusterFilter) => {
      if (clusterFilter !== undefined || typeof identifier !== "string" || typeof fallback === "object")
        return repository.getPublicKey(identifier, fallback, clusterFilter)
      const key = `${identifier}\u0000${fallback ?? ""}`
      let found = publicKeys.get(key)
      if (found === undefined) {
        found = repository.getPublicKey(identifier, fallback)
        publicKeys.set(key, found)
      }
      return found
    },
    add: (program, overrides) => {
      forget()
      repository.add(program, overrides)
    },
    bind: (abstract, concrete) => {
      forget()
      repository.bind(abstract, concrete)
    },
    unbind: (abstract) => {
      forget()
      repository.unbind(abstract)
    },
    clone: () => cachedPrograms(repository.clone())
  }
  return cached
}
