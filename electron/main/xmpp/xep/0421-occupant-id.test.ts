import type { Element } from '@xmpp/xml';
import { parse } from 'ltx';
import { describe, expect, it } from 'vitest';
import { NS_OCCUPANT_ID, occupantIdTrusted, readOccupantId } from './0421-occupant-id';

const stanza = (ids: string) => parse(`<presence from='r@chat.example.test/n'>${ids}</presence>`) as Element;
const id = (v: string) => `<occupant-id xmlns='${NS_OCCUPANT_ID}' id='${v}'/>`;

describe('XEP-0421 occupant ids', () => {
  it('reads one well-formed id; none, two, empty, oversized or control-character ids are not believed', () => {
    expect(readOccupantId(stanza(id('dGhlIGlk')))).toBe('dGhlIGlk');
    expect(readOccupantId(stanza(''))).toBeUndefined();
    expect(readOccupantId(stanza(id('a') + id('b')))).toBeUndefined();
    expect(readOccupantId(stanza(id('')))).toBeUndefined();
    expect(readOccupantId(stanza(id('x'.repeat(257))))).toBeUndefined();
    expect(readOccupantId(stanza(id('a&#x9;b')))).toBeUndefined();
    expect(readOccupantId(stanza(`<occupant-id xmlns='urn:other' id='a'/>`))).toBeUndefined();
  });

  it('§4: trusted only when the room advertises the feature', () => {
    expect(occupantIdTrusted(['http://jabber.org/protocol/muc', NS_OCCUPANT_ID])).toBe(true);
    expect(occupantIdTrusted(new Set(['http://jabber.org/protocol/muc']))).toBe(false);
  });
});
