/**
 * The classification marking shown at the top and bottom of every screen. The admin policy's
 * `classificationBanner` supplies text and colours; without one, the default below (the level
 * picks the DoD marking colours in app.css).
 */
export type ClassificationLevel = 'unclassified' | 'cui' | 'confidential' | 'secret' | 'top-secret' | 'policy';

export interface Classification {
  readonly level: ClassificationLevel;
  /** The marking as displayed, e.g. "UNCLASSIFIED" or "SECRET//NOFORN". */
  readonly text: string;
  /** From the policy: exact colours (#rrggbb) instead of the level's. */
  readonly colours?: { readonly foreground: string; readonly background: string } | undefined;
}

export const CLASSIFICATION: Classification = { level: 'unclassified', text: 'UNCLASSIFIED' };

export function bannerFromPolicy(p: { readonly text: string; readonly foreground: string; readonly background: string } | null | undefined): Classification {
  if (!p) return CLASSIFICATION;
  return { level: 'policy', text: p.text, colours: { foreground: p.foreground, background: p.background } };
}
