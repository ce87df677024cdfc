import {
  FETCH_PROGRAMS_COMMAND,
  inspectProgramCache,
  programsMissingForTests
} from "@tickettoken/solana-localnet"

/** One line for the whole suite when the Bubblegum programs are missing and everything is skipped. */
export default function setup() {
  programsMissingForTests()
  const cache = inspectProgramCache()
  if (cache.missing.length > 0) {
    console.log(
      `faults: SKIPPED, the Bubblegum programs are not in ${cache.dir} (missing ${cache.missing.map((p) => p.name).join(", ")}; run ${FETCH_PROGRAMS_COMMAND})`
    )
  }
}
