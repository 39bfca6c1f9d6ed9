/**
 * The classification marking shown at the top and bottom of every screen. One constant until the
 * admin policy supplies it; the level picks the colours (DoD marking colours, in app.css).
 */
export type ClassificationLevel = 'unclassified' | 'cui' | 'confidential' | 'secret' | 'top-secret';

export interface Classification {
  readonly level: ClassificationLevel;
  /** The marking as displayed, e.g. "UNCLASSIFIED" or "SECRET//NOFORN". */
  readonly text: string;
}

export const CLASSIFICATION: Classification = { level: 'unclassified', text: 'UNCLASSIFIED' };
