// Log fields that do not repeat a key the logger has bound already: pino writes every binding of every
// level and then the line's own fields, so a run's `job` bound by the worker and again by the pipeline made
// log lines with the key twice, which strict JSON ingesters (Elasticsearch) refuse. A key bound with the same
// value is left out; with another value (a run of several tenants under the job's default tenant) it is
// written as `<key>_2`, so nothing is lost and no key repeats.
import type { Logger } from 'pino';

/** `fields` less what `logger` has bound with the same value, a key bound with another as `<key>_2`. */
export function unbound(logger: Logger, fields: Record<string, unknown>): Record<string, unknown> {
  const bound = logger.bindings();
  const fresh: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (!(k in bound)) fresh[k] = v;
    else if (bound[k] !== v) fresh[`${k}_2`] = v;
  }
  return fresh;
}

export function childLogger(logger: Logger, fields: Record<string, unknown>): Logger {
  return logger.child(unbound(logger, fields));
}
