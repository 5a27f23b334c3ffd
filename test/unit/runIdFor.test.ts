import { describe, expect, it } from 'vitest';
import { runIdFor } from '../../src/publish/publishRun.js';

describe('runIdFor (SPEC §5 run-id)', () => {
  it('is the as-of time to the second, never with milliseconds', () => {
    expect(runIdFor(new Date('2026-03-16T15:00:00.000Z'))).toBe('20260316T150000Z');
    // An as-of of "now" carries milliseconds: they are dropped (a second run in that second gets -2).
    expect(runIdFor(new Date('2026-12-02T13:17:35.412Z'))).toBe('20261202T131735Z');
    expect(runIdFor(new Date('2026-12-02T13:17:35.999Z'))).toBe('20261202T131735Z');
  });
});
