import type { Element } from '@xmpp/xml';
import { parse } from 'ltx';
import { describe, expect, it } from 'vitest';
import type { BareJid, FullJid } from '../../../../shared/xmpp/jid';
import { createXmppClient } from '../client/client';
import { createFakeStream } from '../client/testing/fake-stream';
import { checkImage, decodeImage, MAX_AVATAR_BYTES, parseVCard, registerVCard, sha1Hex } from './0054-vcard';

/** A real 1×1 PNG and GIF. */
const PNG_1X1 = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const GIF_1X1 = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46]);
const WEBP = Buffer.concat([Buffer.from('RIFF'), Buffer.from([4, 0, 0, 0]), Buffer.from('WEBPVP8 ')]);
const tick = () => new Promise((r) => setImmediate(r));

function setup() {
  const stream = createFakeStream();
  const client = createXmppClient({ jid: 'alice@example.test/desk' as FullJid, account: 'alice@example.test' as BareJid, stream });
  return { stream, vcard: registerVCard(client) };
}

describe('avatar image checks (shared by XEP-0054/0153/0084)', () => {
  it('accepts PNG, JPEG, GIF and WebP by their magic bytes, with the SHA-1', () => {
    for (const [data, type] of [[PNG_1X1, 'image/png'], [JPEG, 'image/jpeg'], [GIF_1X1, 'image/gif'], [WEBP, 'image/webp']] as const) {
      const r = checkImage(data, type);
      expect(r, type).toMatchObject({ ok: true, image: { type, bytes: data.length, sha1: sha1Hex(data) } });
    }
    expect(checkImage(JPEG, 'image/jpg')).toMatchObject({ ok: true }); // the common misspelling
    expect(checkImage(PNG_1X1, undefined)).toMatchObject({ ok: true, image: { type: 'image/png' } });
  });

  it('[IMPP-D1] refuses other types, lying types, oversize data and bad base64 — before decoding where it can', () => {
    expect(checkImage(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), 'image/svg+xml')).toMatchObject({ ok: false });
    expect(checkImage(Buffer.from('<svg/>'), 'image/png')).toEqual({ ok: false, reason: 'not a PNG, JPEG, GIF or WebP image' });
    expect(checkImage(PNG_1X1, 'image/gif')).toEqual({ ok: false, reason: 'declared image/gif but the data is image/png' });
    expect(checkImage(PNG_1X1, 'text/html')).toMatchObject({ ok: false, reason: expect.stringContaining('not allowed') });
    expect(checkImage(Buffer.concat([PNG_1X1, Buffer.alloc(MAX_AVATAR_BYTES)]), 'image/png')).toMatchObject({ ok: false, reason: expect.stringContaining('larger') });
    expect(checkImage(Buffer.alloc(0), undefined)).toMatchObject({ ok: false });
    expect(decodeImage('A'.repeat(2_000_000), 'image/png')).toMatchObject({ ok: false, reason: expect.stringContaining('larger') });
    expect(decodeImage('iVBOR<script>', 'image/png')).toEqual({ ok: false, reason: 'image data is not valid base64' });
    expect(decodeImage(`${PNG_1X1.toString('base64').slice(0, 20)}\n${PNG_1X1.toString('base64').slice(20)}`, 'image/png')).toMatchObject({ ok: true });
  });
});

describe('XEP-0054 vcard-temp', () => {
  const card =
    "<vCard xmlns='vcard-temp'><FN> Alice Example </FN><N><FAMILY>Example</FAMILY><GIVEN>Alice</GIVEN></N><NICKNAME>ali</NICKNAME>" +
    '<EMAIL><INTERNET/><PREF/><USERID>alice@example.mil</USERID></EMAIL><EMAIL><USERID></USERID></EMAIL>' +
    '<TEL><WORK/><VOICE/><NUMBER>+1 555 0100</NUMBER></TEL><ORG><ORGNAME>DISA</ORGNAME><ORGUNIT>J6</ORGUNIT></ORG><TITLE>Engineer</TITLE>' +
    `<PHOTO><TYPE>image/png</TYPE><BINVAL>${PNG_1X1.toString('base64')}</BINVAL></PHOTO><BDAY>1970-01-01</BDAY><URL>https://example.mil</URL></vCard>`;

  it('[UCR-G2] parses the typed fields and checks the photo', () => {
    const v = parseVCard(parse(card) as Element);
    expect(v).toEqual({
      fn: 'Alice Example',
      n: { family: 'Example', given: 'Alice' },
      nickname: 'ali',
      emails: [{ address: 'alice@example.mil', types: ['INTERNET', 'PREF'] }],
      tels: [{ number: '+1 555 0100', types: ['WORK', 'VOICE'] }],
      org: { name: 'DISA', units: ['J6'] },
      title: 'Engineer',
      photo: { type: 'image/png', data: new Uint8Array(PNG_1X1), bytes: PNG_1X1.length, sha1: sha1Hex(PNG_1X1) },
    });
  });

  it('[IMPP-D1] an external or hostile photo is refused with a reason, the rest of the card stays', () => {
    const ext = parseVCard(parse("<vCard xmlns='vcard-temp'><FN>x</FN><PHOTO><EXTVAL>https://tracker.test/p.png</EXTVAL></PHOTO></vCard>") as Element);
    expect(ext).toEqual({ fn: 'x', emails: [], tels: [], photoRefused: 'external photo (a URL) is not loaded' });
    const svg = parseVCard(parse(`<vCard xmlns='vcard-temp'><PHOTO><TYPE>image/png</TYPE><BINVAL>${Buffer.from('<svg onload="alert(1)"/>').toString('base64')}</BINVAL></PHOTO></vCard>`) as Element);
    expect(svg.photo).toBeUndefined();
    expect(svg.photoRefused).toMatch(/not a PNG/);
    const long = parseVCard(parse(`<vCard xmlns='vcard-temp'><FN>${'x'.repeat(5000)}</FN>${'<EMAIL><USERID>a@b</USERID></EMAIL>'.repeat(100)}</vCard>`) as Element);
    expect(long.fn?.length).toBe(1024);
    expect(long.emails).toHaveLength(20);
  });

  it('get: ours and others; item-not-found is an empty card', async () => {
    const { stream, vcard } = setup();
    const bob = vcard.get('bob@example.test');
    expect(stream.last().attrs.to).toBe('bob@example.test');
    stream.receive(`<iq type='result' id='${stream.last().attrs.id as string}' from='bob@example.test'><vCard xmlns='vcard-temp'><FN>Bob</FN></vCard></iq>`);
    expect((await bob).fn).toBe('Bob');
    const none = vcard.get('carol@example.test');
    stream.receive(
      `<iq type='error' id='${stream.last().attrs.id as string}' from='carol@example.test'><error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>`,
    );
    expect(await none).toEqual({ emails: [], tels: [] });
  });

  it('[UCR-G2] setOwn replaces the typed fields, keeps fields it does not model and (unless asked) the photo', async () => {
    const { stream, vcard } = setup();
    const saving = vcard.setOwn({ fn: 'Alice E.', emails: [{ address: 'a@example.mil', types: ['WORK', 'BOGUS' as never] }], tels: [], title: ' ' });
    expect(stream.last().attrs.to).toBeUndefined();
    stream.receive(`<iq type='result' id='${stream.last().attrs.id as string}'>${card}</iq>`);
    await tick();
    const set = stream.last();
    expect(set.attrs.type).toBe('set');
    const sent = set.getChild('vCard', 'vcard-temp');
    expect(sent?.children.map((c) => (typeof c === 'string' ? c : c.name))).toEqual(['FN', 'EMAIL', 'PHOTO', 'BDAY', 'URL']);
    expect(sent?.getChild('EMAIL')?.toString()).toBe('<EMAIL><WORK/><USERID>a@example.mil</USERID></EMAIL>');
    stream.receive(`<iq type='result' id='${set.attrs.id as string}'/>`);
    const stored = await saving;
    expect(stored).toMatchObject({ fn: 'Alice E.', photo: { sha1: sha1Hex(PNG_1X1) } });
    expect(stored.title).toBeUndefined();

    const removing = vcard.setOwn({ ...stored, photo: null });
    stream.receive(`<iq type='result' id='${stream.last().attrs.id as string}'>${card}</iq>`);
    await tick();
    expect(stream.last().getChild('vCard', 'vcard-temp')?.getChild('PHOTO')).toBeUndefined();
    stream.receive(`<iq type='result' id='${stream.last().attrs.id as string}'/>`);
    expect((await removing).photo).toBeUndefined();
  });

  it('setOwn refuses a bad photo before sending anything', async () => {
    const { stream, vcard } = setup();
    const saving = vcard.setOwn({ emails: [], tels: [], photo: { type: 'image/png', data: Buffer.from('GIF89a-not-really') } });
    stream.receive(`<iq type='result' id='${stream.last().attrs.id as string}'/>`);
    await expect(saving).rejects.toThrow(/photo refused/);
    expect(stream.sent.filter((s) => s.attrs.type === 'set')).toEqual([]);
  });
});
