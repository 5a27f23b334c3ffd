// One variable of the environment checked alone (src/config/env.ts envValue): `ltv run` reads only
// LTV_FORECAST_HEAP_MB, and a variable it does not use (a worker's REDIS_URL) must not stop it.
import { describe, expect, it } from 'vitest';
import { envValue, loadEnv } from '../../src/config/env.js';

describe('envValue', () => {
  it('checks its variable as loadEnv does, and no other', () => {
    const env = { LTV_FORECAST_HEAP_MB: '512', REDIS_URL: 'not a url' };
    expect(envValue('LTV_FORECAST_HEAP_MB', env)).toBe(512);
    expect(() => loadEnv(env)).toThrow('environment: REDIS_URL');
    expect(envValue('LTV_FORECAST_HEAP_MB', {})).toBeUndefined();
    expect(envValue('LTV_FORECAST_HEAP_MB', { LTV_FORECAST_HEAP_MB: '' })).toBeUndefined();
    // What the variable holds and what it takes, in one line (zod's "expected number, received NaN" said neither).
    expect(() => envValue('LTV_FORECAST_HEAP_MB', { LTV_FORECAST_HEAP_MB: 'abc' })).toThrow(/^environment: LTV_FORECAST_HEAP_MB: must be a whole number in decimal digits, not "abc"$/);
    expect(() => envValue('LTV_FORECAST_HEAP_MB', { LTV_FORECAST_HEAP_MB: '0' })).toThrow(/^environment: LTV_FORECAST_HEAP_MB: must be at least \d+, not "0"$/);
    expect(() => loadEnv({ LTV_CONCURRENCY: '1.5', LOG_LEVEL: 'loud', LTV_QUEUE_PREFIX: 'a b' })).toThrow('environment: LTV_QUEUE_PREFIX: "a b" is not accepted: no spaces or braces; '
      + 'environment: LTV_CONCURRENCY: must be a whole number in decimal digits, not "1.5"; environment: LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent, not "loud"');
    expect(envValue('LTV_QUEUE_PREFIX', {})).toBe('ltv');
    // A duration a timer cannot wait (over 2³¹ − 1 ms fired after 1 ms: every query timed out at once, the
    // scheduler's rescan ran in a busy loop) is refused; the longest one is taken.
    for (const name of ['LTV_QUERY_TIMEOUT_MS', 'LTV_SCHEDULE_RESCAN_MS', 'LTV_SHUTDOWN_GRACE_MS'] as const) {
      expect(() => envValue(name, { [name]: '3000000000' })).toThrow(new RegExp(`^environment: ${name}: must be at most 2147483647, not "3000000000"$`));
      expect(envValue(name, { [name]: '2147483647' })).toBe(2147483647);
    }
    // Past 2⁵³ as well: said once, in ltv's words (it said it twice, once as zod's "Too big: expected int to be <=…").
    expect(() => envValue('LTV_SCHEDULE_RESCAN_MS', { LTV_SCHEDULE_RESCAN_MS: '99999999999999999999' })).toThrow(/^environment: LTV_SCHEDULE_RESCAN_MS: must be at most 2147483647, not "99999999999999999999"$/);
    expect(() => loadEnv({ LTV_CONCURRENCY: '99999999999999999999' })).toThrow(/^environment: LTV_CONCURRENCY: must be at most 9007199254740991, not "99999999999999999999"$/);
  });

  it('takes REDIS_URL only as redis:// or rediss:// naming its database in decimal digits, or none', () => {
    // Both were read as database 0 (the path's "abc" is no number) and as redis:// (the scheme was ignored).
    expect(() => envValue('REDIS_URL', { REDIS_URL: 'redis://127.0.0.1:6398/abc' })).toThrow(/^environment: REDIS_URL: the path names the database: \/0 to \/15 \(decimal digits; none: 0\), not \/abc$/);
    expect(() => envValue('REDIS_URL', { REDIS_URL: 'redis://127.0.0.1:6398/0x3' })).toThrow('not /0x3');
    expect(() => envValue('REDIS_URL', { REDIS_URL: 'redis://127.0.0.1:6398/3/x' })).toThrow('not /3/x');
    expect(() => envValue('REDIS_URL', { REDIS_URL: 'http://127.0.0.1:6398' })).toThrow(/^environment: REDIS_URL: must start with redis:\/\/ \(or rediss:\/\/ for TLS\), not http:\/\/$/);
    expect(envValue('REDIS_URL', { REDIS_URL: 'redis://127.0.0.1:6398' })).toBe('redis://127.0.0.1:6398');
    expect(envValue('REDIS_URL', { REDIS_URL: 'redis://127.0.0.1:6398/' })).toBe('redis://127.0.0.1:6398/');
    expect(envValue('REDIS_URL', { REDIS_URL: 'rediss://u:p@h:6380/15' })).toBe('rediss://u:p@h:6380/15');
  });

  it('reads counts in decimal digits only, as the flags do: no hex, exponents or blanks', () => {
    // Number() read these as 18088, 18100, 10 and 0 (a random port for "  ").
    const whole = (name: string, raw: string) => `environment: ${name}: must be a whole number in decimal digits, not "${raw}"`;
    expect(() => envValue('LTV_METRICS_PORT', { LTV_METRICS_PORT: '0x46a8' })).toThrow(whole('LTV_METRICS_PORT', '0x46a8'));
    expect(() => envValue('LTV_METRICS_PORT', { LTV_METRICS_PORT: '1.81e4' })).toThrow(whole('LTV_METRICS_PORT', '1.81e4'));
    expect(() => envValue('LTV_METRICS_PORT', { LTV_METRICS_PORT: '  ' })).toThrow(whole('LTV_METRICS_PORT', '  '));
    expect(() => envValue('LTV_CONCURRENCY', { LTV_CONCURRENCY: '1e1' })).toThrow(whole('LTV_CONCURRENCY', '1e1'));
    expect(() => envValue('LTV_ATTEMPTS', { LTV_ATTEMPTS: '0b11' })).toThrow(whole('LTV_ATTEMPTS', '0b11'));
    expect(() => envValue('LTV_KEEP_DAYS', { LTV_KEEP_DAYS: '1e1' })).toThrow('environment: LTV_KEEP_DAYS: must be a number in decimal digits (0.5: half a day), not "1e1"');
    expect(() => envValue('LTV_METRICS_PORT', { LTV_METRICS_PORT: '70000' })).toThrow('environment: LTV_METRICS_PORT: must be at most 65535, not "70000"');
    // Digits, with the blanks around them a flag also allows.
    expect(envValue('LTV_METRICS_PORT', { LTV_METRICS_PORT: '18088' })).toBe(18088);
    expect(envValue('LTV_CONCURRENCY', { LTV_CONCURRENCY: ' 3 ' })).toBe(3);
    expect(envValue('LTV_KEEP_DAYS', { LTV_KEEP_DAYS: '0.5' })).toBe(0.5);
  });
});
