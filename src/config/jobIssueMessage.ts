// A job file's validation errors in words its author acts on: zod's own ("Unrecognized keys", "Too small:
// expected array to have >=1 items", "Invalid input: expected array, received string") say what failed
// but not what to write. Each message follows the field's path (loadJob.ts formatZodIssues).
import type { z } from 'zod';
import { closest } from '../format/closest.js';
import { unknownNames } from '../format/listed.js';
import { jobJsonSchema } from './jobJsonSchema.js';
import { boundWords, EXPECTED } from './issueWords.js';

/**
 * A job's lists as their entries are written: "a list, e.g. [\"…\"]" for `inputs` led to ["t.csv"], which is
 * refused next (an input is an object).
 */
const LIST_EXAMPLES: Readonly<Record<string, string>> = {
  inputs: 'a list of inputs, e.g. [{"path": "transactions.csv"}]',
  matrices: 'a list of matrices, e.g. [{"period_type": "days", "period_unit": "month"}]',
  formats: 'a list, e.g. ["json", "csv", "xlsx"]',
  'email.to': 'a list of addresses, e.g. ["finance@example.com"]',
  'email.cc': 'a list of addresses, e.g. ["finance@example.com"]',
  'email.ops': 'a list of addresses, e.g. ["ops@example.com"]',
};

/** A job's objects of free keys as they are written (zod's word for them is "record"), by path without indices. */
const OBJECT_EXAMPLES: Readonly<Record<string, string>> = {
  'inputs.map': 'an object from canonical column to the file\'s column, e.g. {"amount": "price"}',
};

type Node = { properties?: Record<string, Node>; propertyNames?: { enum?: string[] }; items?: Node; anyOf?: Node[]; oneOf?: Node[]; allOf?: Node[] };

/** The JSON Schema node at `path` (numbers index lists), its alternatives merged: what may be written there. */
function nodeAt(path: readonly PropertyKey[]): Node | undefined {
  let nodes: Node[] = [jobJsonSchema() as Node];
  const flat = (n: Node): Node[] => [n, ...[...(n.anyOf ?? []), ...(n.oneOf ?? []), ...(n.allOf ?? [])].flatMap(flat)];
  for (const key of path) {
    nodes = nodes.flatMap(flat).flatMap((n) => {
      const next = typeof key === 'number' ? n.items : n.properties?.[String(key)];
      return next ? [next] : [];
    });
  }
  // An object of free keys from a list (an input's `map`: the canonical columns) names them in propertyNames.
  const props = Object.assign({}, ...nodes.flatMap(flat).map((n) => n.properties ?? Object.fromEntries((n.propertyNames?.enum ?? []).map((k) => [k, {}])))) as Record<string, Node>;
  return nodes.length ? { properties: props } : undefined;
}

/** The value at `path` in what the file holds, for saying what was written. */
function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let v = raw;
  for (const key of path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[key] : undefined;
  return v;
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `the text ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return `${typeof v === 'number' ? 'the number' : ''} ${String(v)}`.trim();
}


/** The fields an unrecognized_keys issue's names are likely slips for (its "did you mean"), as paths. */
export function meantPaths(issue: z.core.$ZodIssue): PropertyKey[][] {
  if (issue.code !== 'unrecognized_keys') return [];
  const known = Object.keys(nodeAt(issue.path)?.properties ?? {}).filter((k) => k !== '$schema');
  return issue.keys.flatMap((k) => {
    const c = closest(k, known);
    return c === undefined ? [] : [[...issue.path, c]];
  });
}

/** zod's own wording, which this replaces (zod 4's default messages). */
const ZOD_DEFAULT = /^(Too small|Too big|Invalid input|Invalid option|Unrecognized key|Invalid (string|number|type))/;

/** What follows the field's name in the one-line error for this issue of `raw` (the file's JSON). */
export function jobIssueMessage(issue: z.core.$ZodIssue, raw: unknown): string {
  // A message the schema gives (`.min(1, 'empty: give …')`, refinements) already says what to do.
  if (!ZOD_DEFAULT.test(issue.message)) return issue.message;
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = Object.keys(nodeAt(issue.path)?.properties ?? {}).filter((k) => k !== '$schema');
      const hints = issue.keys.map((k) => [k, closest(k, known)] as const).filter(([, c]) => c !== undefined);
      const meant = !hints.length ? '' : issue.keys.length === 1 ? ` (did you mean "${hints[0]![1]}"?)` : ` (did you mean ${hints.map(([k, c]) => `"${c}" for ${unknownNames([k])}`).join(', ')}?)`;
      return `unknown field${issue.keys.length === 1 ? '' : 's'} ${unknownNames(issue.keys)}${meant}; the fields here are ${known.join(', ')}`;
    }
    case 'invalid_type': {
      const v = valueAt(raw, issue.path);
      const examples = issue.expected === 'array' ? LIST_EXAMPLES : issue.expected === 'record' ? OBJECT_EXAMPLES : {};
      const want = examples[issue.path.filter((k) => typeof k !== 'number').join('.')] ?? EXPECTED[issue.expected] ?? issue.expected;
      return v === undefined ? `is required: ${want}` : `must be ${want}, not ${kindOf(v)}`;
    }
    case 'invalid_value':
      return `must be one of ${issue.values.map((x) => JSON.stringify(x)).join(', ')}, not ${kindOf(valueAt(raw, issue.path))}`;
    case 'too_small':
      if (issue.origin === 'array') return `must list at least ${String(issue.minimum)} ${Number(issue.minimum) === 1 ? 'entry' : 'entries'}`;
      if (issue.origin === 'string') return `must have at least ${String(issue.minimum)} character${Number(issue.minimum) === 1 ? '' : 's'}`;
      return `${boundWords(issue)}, not ${kindOf(valueAt(raw, issue.path))}`;
    case 'too_big':
      if (issue.origin === 'array') return `must list at most ${String(issue.maximum)} entries`;
      if (issue.origin === 'string') return `must have at most ${String(issue.maximum)} characters`;
      return `${boundWords(issue)}, not ${kindOf(valueAt(raw, issue.path))}`;
    default:
      // Our own refinements (custom) already say what to do; the rest keep zod's words.
      return issue.message;
  }
}
