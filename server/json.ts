// What the proxy reads from JSON it did not write (request bodies, vendor answers, key sets).

/** Whether a parsed JSON value is an object with named members: not an array, `null` or a lone value. */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
