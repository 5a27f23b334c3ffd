// Validation errors of the Adapty request in words a client developer acts on (issue 16): zod's own
// ("Invalid input: expected tuple, received undefined") name neither the field nor the fix.
import type { z } from 'zod';

/** What a field holds, for "is required: …" and "must be …". */
const SHAPES: Record<string, string> = {
  filters: 'an object with date: [from, to] as YYYY-MM-DD, and optional filter lists such as country: ["US"]',
  'filters.date': '[from, to] as YYYY-MM-DD',
  'filters.compare_date': '[from, to] as YYYY-MM-DD (accepted and ignored)',
  period_unit: 'one of day, week, month, quarter, year',
  period_type: 'one of renewals, days',
  format: 'one of json, csv',
};

const TYPE_WORDS: Record<string, string> = {
  array: 'a list of strings, e.g. ["US", "DE"]',
  string: 'a string',
  object: 'an object',
  tuple: '[from, to] as YYYY-MM-DD',
  number: 'a number',
};

/** One sentence naming the field (`source`) and what to send. */
export function adaptyIssueMessage(issue: z.core.$ZodIssue, source: string): string {
  const shape = SHAPES[source];
  switch (issue.code) {
    case 'invalid_type': {
      // An element of a list (its index dropped from `source`): say what the list must hold.
      if (typeof issue.path.at(-1) === 'number' && !shape) return `${source} must hold ${issue.expected}s only, e.g. ["US", "DE"]`;
      const what = shape ?? TYPE_WORDS[issue.expected] ?? issue.expected;
      return /received undefined/.test(issue.message) ? `${source} is required: ${what}` : `${source} must be ${what}`;
    }
    case 'invalid_value':
      return `${source} must be one of: ${issue.values.map(String).join(', ')}`;
    case 'too_small':
    case 'too_big': {
      if (shape && issue.origin === 'array') return `${source} must be ${shape}`;
      const bound = issue.code === 'too_big' ? `at most ${issue.maximum}` : `at least ${issue.minimum}`;
      return issue.origin === 'string' ? `${source} must have ${bound} characters` : `${source} takes ${bound} values`;
    }
    case 'unrecognized_keys':
      return `${source === 'non_field_errors' ? 'the body' : source} has unknown field(s): ${issue.keys.join(', ')}${source === 'filters' ? ' (filters: date and the MetricsFilters keys such as country, store, product)' : ''}`;
    default:
      // Our own refinements ("must be a date YYYY-MM-DD") read after the field name.
      return `${source} ${issue.message}`;
  }
}
