// Builtins the JavaScript WebAssembly runtime lacks and Elava's policies use, implemented for the
// policy service (passed to loadPolicy) and known to the build's check. Keep them pure.

/** RFC 3339 → nanoseconds since the epoch (millisecond precision; a number, as opa-wasm passes JSON). */
function parseRfc3339Ns(text) {
  if (typeof text !== 'string') throw new TypeError('time.parse_rfc3339_ns: operand must be a string');
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new TypeError(`time.parse_rfc3339_ns: cannot parse ${JSON.stringify(text)}`);
  return ms * 1e6;
}

export const customBuiltins = {
  'time.parse_rfc3339_ns': parseRfc3339Ns,
};
