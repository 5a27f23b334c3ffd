// The image's HEALTHCHECK (Dockerfile): `node src/cli/healthcheck.mjs [pid]`. One image runs `ltv serve` and
// `ltv worker`, which answer /readyz on different ports; a probe of LTV_METRICS_PORT alone, where serve never
// listens, left every `docker run <image> serve …` unhealthy. So it reads the container's command line and
// environment from /proc/<pid> (default 1: tini, running `node src/cli/bin.mjs <command> …`) and asks that
// command's /readyz: serve's on its own --host and --port (else PORT, else 8080), the worker's on
// LTV_METRICS_HOST and LTV_METRICS_PORT. Exit 0 on a 200; else 1, with the reason on stdout, which `docker
// inspect` shows. The other commands (run, enqueue, keys) end by themselves and have nothing to probe: 0.
import { readFileSync } from 'node:fs';
import { get } from 'node:http';

const pid = process.argv[2] ?? '1';

/** The NUL-separated fields of /proc/<pid>/<file>, or null when it cannot be read. */
function procFields(file) {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return null;
  }
}

const argv = procFields('cmdline') ?? [];
// The process's own environment (a `docker run -e` included); this probe's is the image's when unreadable.
const envFields = procFields('environ');
const env = envFields ? Object.fromEntries(envFields.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])) : process.env;
/** A variable as ltv reads it: set empty is unset. */
const envOf = (name) => (env[name]?.trim() ? env[name].trim() : undefined);

const at = argv.findIndex((a) => /(^|\/)(bin\.mjs|main\.js)$/.test(a));
const command = at < 0 ? undefined : argv[at + 1];
const args = at < 0 ? [] : argv.slice(at + 2);
/** The value of `--name v` or `--name=v`. */
const flag = (name) => {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === name) return args[i + 1];
    if (args[i].startsWith(`${name}=`)) return args[i].slice(name.length + 1);
  }
  return undefined;
};
/** An address to reach a listener on: every interface is reachable on loopback. */
const reach = (host) => (host === '0.0.0.0' ? '127.0.0.1' : host === '::' || host === '[::]' ? '::1' : host.replace(/^\[(.*)\]$/, '$1'));

const fail = (why) => {
  process.stdout.write(`unhealthy: ${why}\n`);
  process.exit(1);
};

let target;
if (command === 'serve') {
  target = { host: reach(flag('--host') ?? '127.0.0.1'), port: flag('--port') ?? envOf('PORT') ?? '8080', name: 'ltv serve' };
} else if (command === 'worker') {
  const port = envOf('LTV_METRICS_PORT');
  if (port === undefined) fail('the worker has no LTV_METRICS_PORT, so no /readyz to ask: set it (the image sets 9464), or run the container with --no-healthcheck');
  target = { host: reach(envOf('LTV_METRICS_HOST') ?? '0.0.0.0'), port, name: 'the worker' };
} else {
  process.stdout.write(`nothing to probe: ${command === undefined ? `no ltv command in /proc/${pid}/cmdline` : `ltv ${command} ends by itself`}\n`);
  process.exit(0);
}
if (!/^\s*[0-9]+\s*$/.test(target.port) || Number(target.port) === 0) fail(`${target.name} listens on port "${target.port}", which cannot be probed: give it a fixed port`);

const url = `http://${target.host.includes(':') ? `[${target.host}]` : target.host}:${Number(target.port)}/readyz`;
const req = get({ host: target.host, port: Number(target.port), path: '/readyz', timeout: 4000 }, (res) => {
  let body = '';
  res.setEncoding('utf8');
  res.on('data', (d) => (body += d));
  res.on('end', () => {
    if (res.statusCode === 200) process.exit(0);
    fail(`${url} answered ${res.statusCode}: ${body.trim().slice(0, 500)}`);
  });
});
req.on('timeout', () => req.destroy(new Error('no answer within 4 s')));
req.on('error', (e) => fail(`${url}: ${e.code ?? e.message}`));
