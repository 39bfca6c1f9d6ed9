import { afterEach, describe, expect, it, vi } from 'vitest';
import { en } from './en';
import { initI18n, onMissingKeyForTest, resetI18nForTest, t, type MessageKey } from './i18n';

afterEach(() => resetI18nForTest());

describe('t() on i18next', () => {
  it('returns the English text synchronously, with no init call needed first', () => {
    expect(t('login.title')).toBe('Sign in');
  });

  it('fills {param} placeholders, numbers included, without HTML-escaping (React escapes)', () => {
    expect(t('app.pingResult', { ms: 12, event: 'event received' })).toBe('Round trip 12 ms, event received');
    expect(t('consent.loadFailed', { message: '<b>"x" & y</b>' })).toBe('The notice could not be loaded: <b>"x" & y</b>');
  });

  it('leaves an unknown placeholder visible instead of blanking it', () => {
    expect(t('app.pingResult', { ms: 5 })).toBe('Round trip 5 ms, {event}');
  });

  it('falls back to English for another navigator language', () => {
    initI18n('de-DE');
    expect(t('login.connect')).toBe(en['login.connect']);
  });

  it('a missing key falls back to the key and is reported', () => {
    const seen: string[] = [];
    const restore = onMissingKeyForTest((k) => seen.push(k));
    try {
      expect(t('no.such.key' as MessageKey)).toBe('no.such.key');
      expect(seen).toEqual(['no.such.key']);
    } finally {
      restore();
    }
  });

  it('in development (vitest runs with import.meta.env.DEV) a missing key is a console warning', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      expect(t('also.missing' as MessageKey)).toBe('also.missing');
      expect(warn).toHaveBeenCalledWith('i18n: missing message key "also.missing"');
    } finally {
      warn.mockRestore();
    }
  });

  it('every bundle text comes back unchanged when it has no placeholders', () => {
    for (const [key, text] of Object.entries(en)) {
      if (!text.includes('{')) expect(t(key as MessageKey)).toBe(text);
    }
  });
});
