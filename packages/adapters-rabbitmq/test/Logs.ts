/** Every log line an effect writes, kept for the assertions (and still printed). */
import { Logger } from "effect"

export interface Logs {
  readonly lines: ReadonlyArray<{ readonly level: string; readonly text: string }>
  readonly text: () => string
  readonly layer: ReturnType<typeof Logger.layer>
}

const render = (message: unknown): string => {
  try {
    return JSON.stringify(message, (_key, value) => (value instanceof Error ? value.message : value))
  } catch {
    return String(message)
  }
}

export const makeLogs = (): Logs => {
  const lines: Array<{ level: string; text: string }> = []
  const logger = Logger.make((options) => {
    lines.push({ level: options.logLevel, text: render(options.message) })
  })
  return {
    lines,
    text: () => lines.map((l) => `${l.level} ${l.text}`).join("\n"),
    layer: Logger.layer([logger], { mergeWithExisting: true })
  }
}
