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
    expect(() => envValue('LTV_FORECAST_HEAP_MB', { LTV_FORECAST_HEAP_MB: 'abc' })).toThrow(/^environment: LTV_FORECAST_HEAP_MB: .*expected number/);
    expect(() => envValue('LTV_FORECAST_HEAP_MB', { LTV_FORECAST_HEAP_MB: '0' })).toThrow(/^environment: LTV_FORECAST_HEAP_MB: /);
    expect(envValue('LTV_QUEUE_PREFIX', {})).toBe('ltv');
  });
});
