// The PIN dialog's card states that SoftHSM2 cannot produce (it never reports 'final-try' or
// 'locked'), rendered to static markup: no DOM needed, and the e2e tests cover the live dialog.
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { CardToken } from '../../../../shared/ipc/index';
import { PinDialog } from './PinDialog';

const cert: CardToken['certificates'][number] = {
  id: '01',
  label: 'PIV AUTH',
  subject: 'CN=DOE.JANE.1234567890\nOU=USA',
  issuer: 'CN=DOD ID CA-70',
  notBefore: '2025-01-01T00:00:00.000Z',
  notAfter: '2028-01-01T00:00:00.000Z',
  fingerprint256: 'AA',
  keyType: 'rsa',
  bits: 2048,
  usableForTls: true,
  warnings: [],
  xmppIdentity: { jid: 'jane.doe@example.mil', source: 'upn' },
};
const token = (pin: CardToken['pin']): CardToken => ({
  slot: '1',
  label: 'DOE.JANE',
  manufacturer: 'Gemalto',
  model: 'PIV',
  serial: '1',
  pin,
  minPinLength: 6,
  maxPinLength: 8,
  certificates: [cert],
});
const render = (pin: CardToken['pin'], rejection?: string): string =>
  renderToStaticMarkup(<PinDialog token={token(pin)} certificate={cert} rejection={rejection} onSubmit={() => {}} onCancel={() => {}} />);

describe('PIN dialog states', () => {
  it('is a labelled modal dialog with a PIN field', () => {
    const html = render('ok');
    expect(html).toMatch(/^<dialog aria-modal="true" aria-labelledby="[^"]+-title"/);
    expect(html).toContain('type="password"');
    expect(html).toContain('Card DOE.JANE, certificate CN=DOE.JANE.1234567890, OU=USA');
    expect(html).toContain('6 to 8 digits');
  });

  it("'low' warns that few tries are left; 'final-try' that a wrong PIN locks the card", () => {
    expect(render('low')).toContain('Few tries left: enter the PIN carefully.');
    expect(render('final-try')).toContain('Last try: a wrong PIN locks the card.');
    expect(render('final-try')).toContain('type="password"');
  });

  it("'locked' offers no PIN entry and sends the user to the administrator", () => {
    const html = render('locked');
    expect(html).not.toContain('<input');
    expect(html).toContain('contact your administrator');
    expect(html).toContain('>Close</button>');
    expect(html).not.toContain('>Connect</button>');
  });

  it('a rejection from the core is shown as an alert', () => {
    expect(render('low', 'The PIN is incorrect. Only a few tries are left.')).toContain(
      '<p role="alert" class="alert alert-error" data-testid="pin-rejection">The PIN is incorrect. Only a few tries are left.</p>',
    );
  });
});
