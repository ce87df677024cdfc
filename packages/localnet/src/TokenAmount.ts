// The RPC's UiTokenAmount: the raw amount as a string, decimals, the amount as a float and as an
// exact decimal string with trailing zeros trimmed (agave's real_number_string_trimmed).
export interface UiTokenAmount {
  readonly uiAmount: number | null
  readonly decimals: number
  readonly amount: string
  readonly uiAmountString: string
}

export const decimalString = (amount: bigint, decimals: number): string => {
  const digits = amount.toString()
  if (decimals === 0) return digits
  const padded = digits.padStart(decimals + 1, "0")
  const whole = padded.slice(0, padded.length - decimals)
  const fraction = padded.slice(padded.length - decimals).replace(/0+$/, "")
  return fraction.length === 0 ? whole : `${whole}.${fraction}`
}

export const uiTokenAmount = (amount: bigint, decimals: number): UiTokenAmount => {
  const uiAmountString = decimalString(amount, decimals)
  return { uiAmount: Number(uiAmountString), decimals, amount: amount.toString(), uiAmountString }
}
