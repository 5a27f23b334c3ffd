import type { IncomingMessage } from 'node:http';

/**
 * Every value of one header as the request sent it, in order (`name` in lower case). Node keeps only the
 * first of some repeated headers (Host, Content-Type, Authorization) and joins others with ", ": the routes
 * read the raw list wherever a repeated header must be refused rather than answered by its order.
 */
export function headerValues(req: IncomingMessage, name: string): string[] {
  const values: string[] = [];
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) if ((raw[i] as string).toLowerCase() === name) values.push(raw[i + 1] as string);
  return values;
}
