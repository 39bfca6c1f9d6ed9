/**
 * A copy of `s` that does not keep alive the string it was cut from. The XML parser hands out
 * V8 "sliced" strings that share their parent — a whole 64 KiB socket read behind a 5-character
 * nick — so anything kept for long (an occupant, a caps entry) is copied here first. Flattening
 * the concatenation makes a new string of the short value; the slice then refers to that.
 */
export function ownString<T extends string | undefined>(s: T): T {
  return (s === undefined || s.length === 0 ? s : (' ' + s).slice(1)) as T;
}
