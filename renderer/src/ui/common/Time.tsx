import { formatDay, formatInstant } from './format';

/** A machine-readable <time> with the UTC display form. */
export function Time({ iso, dayOnly = false }: { readonly iso: string; readonly dayOnly?: boolean }): React.JSX.Element {
  return <time dateTime={iso}>{dayOnly ? formatDay(iso) : formatInstant(iso)}</time>;
}
