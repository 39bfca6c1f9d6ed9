/**
 * XEP-0082 date and time profiles: `CCYY-MM-DDThh:mm:ss[.sss]TZD` (DateTime), `hh:mm:ss[.sss][TZD]`
 * (Time) and `CCYY-MM-DD` (Date). Parsing is strict: a malformed stamp from the network is
 * refused, never guessed at.
 */
const DATETIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** XEP-0082 DateTime in UTC with milliseconds, e.g. 2026-11-22T21:03:00.000Z. */
export function formatDateTime(d: Date): string {
  return d.toISOString();
}

/** Parses a XEP-0082 DateTime; undefined when it is not one (or not a real instant). */
export function parseDateTime(s: string): Date | undefined {
  const m = DATETIME.exec(s.trim());
  if (!m) return undefined;
  const [, , mo, d, h, mi, sec] = m.map(Number) as [number, number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return undefined;
  const ms = Date.parse(s.trim());
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

/** The TZD of a UTC offset in minutes east (XEP-0082 §3.1), e.g. +01:00, -05:30, Z never (use +00:00). */
export function formatTzd(offsetMinutesEast: number): string {
  const sign = offsetMinutesEast < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutesEast);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}
