// Text files a person writes (job files, keys files) must be UTF-8, as inputs must (README "Text files").
// Node's 'utf8' decoding replaces bytes that are not UTF-8 with U+FFFD without a word: a job saved in
// Latin-1 by a Windows editor ran with its tenant "Zürich" renamed "Z\uFFFDrich", a tenant no key or row names.
import { isUtf8 } from 'node:buffer';

/** Bytes that are not UTF-8 text; the message says what they are and what to do (the caller names the file). */
export class NotUtf8Error extends Error {}

/** The bytes as text, a leading byte order mark dropped; NotUtf8Error when they are not UTF-8. */
export function utf8Text(bytes: Buffer): string {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) throw new NotUtf8Error('is UTF-16 text: save it as UTF-8');
  // Without a byte order mark: ASCII written as UTF-16 has a NUL beside each character.
  if (bytes.length >= 2 && (bytes[0] === 0 || bytes[1] === 0)) throw new NotUtf8Error('is UTF-16 text (without a byte order mark) or binary: save it as UTF-8 text');
  if (!isUtf8(bytes)) {
    let line = 1;
    let start = 0;
    for (;;) {
      const end = bytes.indexOf(0x0a, start);
      if (!isUtf8(bytes.subarray(start, end < 0 ? bytes.length : end))) break;
      if (end < 0) break;
      line++;
      start = end + 1;
    }
    throw new NotUtf8Error(`line ${line} is not valid UTF-8 (Latin-1 or Windows-1252?): save it as UTF-8`);
  }
  return bytes.toString('utf8').replace(/^\uFEFF/, '');
}
