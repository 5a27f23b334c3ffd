// A queued run's data that ltv's producers never write (an operator's script adding to the queue): one
// line naming the field, the value shown as JSON writes it and cut, never a raw control character.
import { describe, expect, it } from 'vitest';
import { payloadProblem } from '../../src/queue/processRun.js';

const AGAIN = 'add it again with ltv enqueue <job> or POST /api/v1/runs';
const problem = (file: unknown): string | null => payloadProblem({ id: '7', data: { file } } as never);

describe('a queued run\'s job file name', () => {
  it('that is no string or empty is shown as JSON writes it (5 read as the name "5" when quoted again)', () => {
    expect(problem(5)).toBe(`queued run 7: its job file name (data.file) is 5, not a file name: ${AGAIN}`);
    expect(problem(null)).toBe(`queued run 7: its job file name (data.file) is null, not a file name: ${AGAIN}`);
    expect(problem('')).toBe(`queued run 7: its job file name (data.file) is "", not a file name: ${AGAIN}`);
    expect(problem(undefined)).toBe(`queued run 7: its job file name (data.file) is missing, not a file name: ${AGAIN}`);
  });

  it('with a C1 control or a bidi override is refused, the character escaped (U+0085 ends a line; U+202E reverses it)', () => {
    expect(problem('job1\u0085x')).toBe(`queued run 7: its job file name (data.file) "job1\\u0085x" is not a file name (it holds a control character): ${AGAIN}`);
    expect(problem('job1\u202ex.json')).toBe(`queued run 7: its job file name (data.file) "job1\\u202ex.json" is not a file name (it holds a control character): ${AGAIN}`);
    expect(problem('nightly.json')).toBeNull();
    // Blank or no string: the JSON shown escapes them too (JSON itself leaves them).
    expect(problem('\u2028')).toBe(`queued run 7: its job file name (data.file) is "\\u2028", not a file name: ${AGAIN}`);
    expect(problem({ a: '\u202e' })).toBe(`queued run 7: its job file name (data.file) is {"a":"\\u202e"}, not a file name: ${AGAIN}`);
  });
});
