/** A page of a listing, with an opaque cursor for the next one (null at the end). */
export interface Page<A> {
  readonly items: ReadonlyArray<A>
  readonly nextCursor: string | null
}
