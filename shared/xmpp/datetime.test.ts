import { describe, expect, it } from 'vitest';
import { formatDateTime, formatTzd, parseDateTime } from './datetime';

describe('XEP-0082 date/time', () => {
  it.each([
    ['1969-07-21T02:56:15Z', '1969-07-21T02:56:15.000Z'],
    ['1969-07-20T21:56:15-05:00', '1969-07-21T02:56:15.000Z'],
    ['2002-09-10T23:08:25.123456Z', '2002-09-10T23:08:25.123Z'],
  ])('parses the XEP examples: %s', (s, iso) => {
    expect(parseDateTime(s)?.toISOString()).toBe(iso);
  });

  it.each(['', '2002-09-10', '2002-09-10T23:08:25', '2002-13-10T23:08:25Z', '2002-09-10 23:08:25Z', 'yesterday', '2002-09-10T23:08:25+5'])(
    'refuses %j',
    (s) => {
      expect(parseDateTime(s)).toBeUndefined();
    },
  );

  it('formats in UTC and offsets as TZD', () => {
    expect(formatDateTime(new Date(Date.UTC(2026, 10, 22, 21, 3)))).toBe('2026-11-22T21:03:00.000Z');
    expect([formatTzd(0), formatTzd(60), formatTzd(-330)]).toEqual(['+00:00', '+01:00', '-05:30']);
  });
});
