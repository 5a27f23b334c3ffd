// A real SMTP server for the email tests (STYLE habit 10): smtp-server on an ephemeral port, every
// accepted message kept raw and parsed back with mailparser. Replies can be scripted: the next n
// MAIL FROM, RCPT TO or DATA commands answered with a given code, as a real relay under load or policy would.
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll } from 'vitest';

export interface Scripted {
  at: 'mail' | 'rcpt' | 'data';
  code: number;
  times: number;
}

export interface SmtpSink {
  port: number;
  url: string;
  messages: ParsedMail[];
  raw: Buffer[];
  /** Envelope recipients per accepted message. */
  envelopes: string[][];
  /** Every DATA command seen, accepted or not. */
  dataCommands: number;
  mailCommands: number;
  rcptCommands: number;
  reply(script: Scripted): void;
  /** Every message's whole data received (accepted or not, answered or not yet). */
  dataReceived: number;
  /** From now on, the reply to a message's data comes `ms` later (a relay slow to queue it). */
  holdData(ms: number): void;
  /** Drops the scripted replies still due: from now on every command is accepted. */
  clearReplies(): void;
  /** Resolves when `n` messages have been accepted. */
  waitFor(n: number): Promise<void>;
  close(): Promise<void>;
}

export async function startSmtpSink(port = 0): Promise<SmtpSink> {
  const scripts: Scripted[] = [];
  let hold = 0;
  const waiters: { n: number; resolve: () => void }[] = [];
  const take = (at: Scripted['at']): number | null => {
    const s = scripts.find((x) => x.at === at && x.times > 0);
    if (!s) return null;
    s.times -= 1;
    return s.code;
  };
  const fail = (code: number): Error => Object.assign(new Error(code >= 500 ? 'Rejected by policy' : 'Try again later'), { responseCode: code });
  const sink: SmtpSink = {
    port: 0,
    url: '',
    messages: [],
    raw: [],
    envelopes: [],
    dataCommands: 0,
    mailCommands: 0,
    rcptCommands: 0,
    dataReceived: 0,
    reply: (s) => void scripts.push({ ...s }),
    holdData: (ms) => void (hold = ms),
    clearReplies: () => void scripts.splice(0),
    waitFor: (n) => (sink.messages.length >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve }))),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onMailFrom(_address, _session, callback) {
      sink.mailCommands += 1;
      const code = take('mail');
      callback(code === null ? null : fail(code));
    },
    onRcptTo(_address, _session, callback) {
      sink.rcptCommands += 1;
      const code = take('rcpt');
      callback(code === null ? null : fail(code));
    },
    onData(stream, session, callback) {
      sink.dataCommands += 1;
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => void setTimeout(() => {
        const code = take('data');
        if (code !== null) return callback(fail(code));
        const raw = Buffer.concat(chunks);
        // keepCidLinks: the tests check the html references the image by its cid, as a mail client sees it.
        simpleParser(raw, { keepCidLinks: true }).then(
          (parsed) => {
            sink.raw.push(raw);
            sink.messages.push(parsed);
            sink.envelopes.push(session.envelope.rcptTo.map((r) => r.address));
            callback(null, 'Message queued as test');
            for (const w of waiters.filter((x) => sink.messages.length >= x.n)) w.resolve();
          },
          (err: Error) => callback(err),
        );
      }, hold));
      stream.on('end', () => void (sink.dataReceived += 1));
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.server.address();
  sink.port = typeof address === 'object' && address ? address.port : port;
  sink.url = `smtp://127.0.0.1:${sink.port}`;
  return sink;
}

/**
 * A sink for the whole test file, and the environment pointing at it (SMTP_URL, SMTP_FROM, a short
 * LTV_EMAIL_BACKOFF): the worker reads its SMTP settings from the environment, as in production (each
 * test file runs in its own process). Returns the sink once it is started.
 */
export function useSmtpSinkEnv(): () => SmtpSink {
  let sink: SmtpSink | undefined;
  const saved = { ...process.env };
  beforeAll(async () => {
    sink = await startSmtpSink();
    Object.assign(process.env, { SMTP_URL: sink.url, SMTP_FROM: 'ltv@example.com', LTV_EMAIL_BACKOFF: '20ms' });
  });
  afterAll(async () => {
    for (const k of ['SMTP_URL', 'SMTP_FROM', 'LTV_EMAIL_BACKOFF']) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
    await sink?.close();
  });
  return () => sink!;
}
