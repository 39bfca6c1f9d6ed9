/** Ends every exhaustive switch: adding a union member without handling it breaks the build. */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}
