// The Subject header as it goes out. nodemailer encodes a subject with non-ASCII text itself, but leaves an
// ASCII one holding RFC 2047 encoded-words as written (so that callers can pass words already encoded): a
// tenant id `=?utf-8?Q?x=0D=0ABcc:_a@b.c?=` then reached clients as a line break and a Bcc line. Such a
// subject goes out as encoded-words of its own text, which decode to exactly that text.
import type { SendMailOptions } from 'nodemailer';
import { encodeWord } from 'nodemailer/lib/mime-funcs';

/** The message with its subject encoded when a client would otherwise decode part of it. */
export function withLiteralSubject(message: SendMailOptions): SendMailOptions {
  const subject = typeof message.subject === 'string' ? message.subject : '';
  if (!subject.includes('=?')) return message;
  // nodemailer sets `subject` over a Subject in `headers`: it goes only as the prepared header (words of 52
  // characters at most, as nodemailer's own; foldLines keeps each line within 76).
  const { subject: _text, ...rest } = message;
  const headers = Array.isArray(message.headers) ? {} : message.headers;
  return { ...rest, headers: { ...headers, Subject: { prepared: true, foldLines: true, value: encodeWord(subject, 'Q', 52) } } } as SendMailOptions;
}
