/** Display helpers shared by the screens. Times are shown in UTC (Zulu), as operators expect. */

const pad = (n: number): string => String(n).padStart(2, '0');

/** '2025-11-22 21:04:05 UTC' from an ISO string; the input itself when it is not a date. */
export function formatInstant(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} UTC`;
}

/** Date only: '2025-11-22'. */
export function formatDay(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

export function kilobytes(bytes: number): string {
  return (bytes / 1024).toFixed(bytes < 10 * 1024 ? 1 : 0);
}

/** A distinguished name on one line: Node gives multi-valued names one RDN per line. */
export function formatDn(dn: string): string {
  return dn
    .split('\n')
    .map((x) => x.trim())
    .filter(Boolean)
    .join(', ');
}

/** A message time: '21:04 UTC' today (UTC), '2025-11-22 21:04 UTC' on another day. */
export function formatMessageTime(iso: string, now: Date = new Date()): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`;
  return formatDay(iso) === formatDay(now.toISOString()) ? time : `${formatDay(iso)} ${time}`;
}
