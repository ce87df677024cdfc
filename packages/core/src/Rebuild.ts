/**
 * A Schema class instance rebuilt from values that were checked when they were first made: rows
 * the service wrote itself, leaves the replica proved, findings the rules built from both.
 *
 * `new C(props, { disableChecks: true })` still runs the class's parser over the type and
 * structure of every field: about 7 µs for a mint with its transaction and asset, where this
 * takes under 1 µs. A reconciliation pass builds a mint, a leaf and a finding for every ticket,
 * every pass. The instance has the prototype and own properties `new C(props)` gives, which the
 * tests hold for every class it is used with; anything from outside (a request, a chain answer
 * not yet checked) goes through the constructor or a decoder instead.
 */
// biome-ignore lint/suspicious/noExplicitAny: any Schema class; its first parameter types the props
export const rebuild = <C extends (abstract new (...args: any) => any) & { readonly fields: object }>(
  Class: C,
  props: ConstructorParameters<C>[0]
): InstanceType<C> => {
  const instance = Object.create(Class.prototype)
  // In the order of the class's fields, as the constructor's parser lays them out (what a
  // printed or encoded instance shows); an optional field that is absent stays absent.
  for (const field of Object.keys(Class.fields)) {
    if (Object.hasOwn(props, field)) instance[field] = props[field]
  }
  return instance
}
