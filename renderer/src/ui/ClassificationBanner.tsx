import { t } from '../i18n/en';
import { usePolicy } from '../state/policy';
import { bannerFromPolicy } from './classification';

/**
 * Top or bottom classification strip; always visible, outside the scrolling content. The admin
 * policy's `classificationBanner` (text and colours) replaces the default marking when present.
 */
export function ClassificationBanner({ position }: { readonly position: 'top' | 'bottom' }): React.JSX.Element {
  const banner = bannerFromPolicy(usePolicy()?.effective.classificationBanner);
  return (
    <div
      role="region"
      aria-label={t(position === 'top' ? 'classification.regionTop' : 'classification.regionBottom')}
      className={`classification classification-${banner.level} classification-${position}`}
      data-testid={`classification-${position}`}
      // Set through the CSSOM by React, which the 'self'-only CSP allows (no style attribute in markup).
      style={banner.colours ? { color: banner.colours.foreground, backgroundColor: banner.colours.background } : undefined}
    >
      {banner.text}
    </div>
  );
}
