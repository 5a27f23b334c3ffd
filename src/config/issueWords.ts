// zod's default issues in the words ltv's messages use, shared by the job file's (jobIssueMessage.ts) and
// the environment's (env.ts envIssues): what a value must be, without zod's "Invalid input: expected
// number, received NaN" or "Too big: expected number to be <=36525".
import type { z } from 'zod';

/** A JSON or environment type as a reader writes it. */
export const EXPECTED: Readonly<Record<string, string>> = {
  array: 'a list, e.g. ["…"]',
  object: 'an object, e.g. {"…": …}',
  record: 'an object, e.g. {"…": …}',
  string: 'text in double quotes',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
};

/** "must be at least 1", "must be below 0": a number's bound, for a too_small or too_big issue. */
export function boundWords(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig): string {
  return issue.code === 'too_small'
    ? `must be ${issue.inclusive === false ? 'above' : 'at least'} ${String(issue.minimum)}`
    : `must be ${issue.inclusive === false ? 'below' : 'at most'} ${String(issue.maximum)}`;
}
