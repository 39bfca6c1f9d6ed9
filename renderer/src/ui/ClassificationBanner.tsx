import { t } from '../i18n/en';
import { CLASSIFICATION } from './classification';

/** Top or bottom classification strip; always visible, outside the scrolling content. */
export function ClassificationBanner({ position }: { readonly position: 'top' | 'bottom' }): React.JSX.Element {
  return (
    <div
      role="region"
      aria-label={t(position === 'top' ? 'classification.regionTop' : 'classification.regionBottom')}
      className={`classification classification-${CLASSIFICATION.level} classification-${position}`}
      data-testid={`classification-${position}`}
    >
      {CLASSIFICATION.text}
    </div>
  );
}
