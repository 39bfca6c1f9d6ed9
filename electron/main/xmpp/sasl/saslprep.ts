/**
 * A conservative SASLprep (RFC 4013) for user names and passwords: NFKC, non-ASCII spaces
 * mapped to SPACE, "commonly mapped to nothing" code points removed, and the prohibited
 * output of RFC 3454 (controls, private use, surrogates, non-characters) refused. Bidi rules are
 * not checked: a password that needs them is rejected by the prohibition on nothing here, and
 * servers that prep differently would fail the proof, not accept a wrong password.
 */
const MAP_TO_NOTHING = /[\u00AD\u034F\u1806\u180B-\u180D\u200B-\u200D\u2060\uFE00-\uFE0F\uFEFF]/gu;
const NON_ASCII_SPACE = /[\u00A0\u1680\u2000-\u200B\u202F\u205F\u3000]/gu;
// C.2 control characters, C.3 private use, C.4 non-characters, C.5 surrogates, C.8 change display.
const PROHIBITED = /[\u0000-\u001F\u007F-\u009F\u0340\u0341\u200E\u200F\u202A-\u202E\u206A-\u206F\uE000-\uF8FF\uFDD0-\uFDEF\uFFF9-\uFFFF]|[\u{F0000}-\u{FFFFD}\u{100000}-\u{10FFFD}]/u;

export function saslprep(input: string): string {
  const mapped = input.replace(MAP_TO_NOTHING, '').replace(NON_ASCII_SPACE, ' ').normalize('NFKC');
  if (PROHIBITED.test(mapped)) throw new Error('the text contains characters SASLprep prohibits (RFC 4013 §2.3)');
  return mapped;
}
