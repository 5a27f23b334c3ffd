// What a request Node's HTTP parser (llhttp) refused did wrong, in words a client developer acts on: the
// parser's own code (HPE_INVALID_HEADER_TOKEN) is kept in brackets for searching, not as the message.
const WHY: Record<string, string> = {
  HPE_INVALID_HEADER_TOKEN: 'a header name or value holds a character HTTP does not allow (a NUL, a bare CR or LF, a space in a name)',
  HPE_INVALID_METHOD: 'the method is not an HTTP method',
  HPE_INVALID_URL: 'the request target is not a valid path',
  HPE_INVALID_VERSION: 'the version must be HTTP/1.0 or HTTP/1.1',
  HPE_INVALID_CONSTANT: 'the request line must be "METHOD /path HTTP/1.1"',
  HPE_UNEXPECTED_CONTENT_LENGTH: 'Content-Length must be sent once, and not with Transfer-Encoding',
  HPE_INVALID_TRANSFER_ENCODING: 'Transfer-Encoding must end with chunked, and not come with Content-Length',
  HPE_INVALID_CONTENT_LENGTH: 'Content-Length must be one whole number',
  HPE_INVALID_CHUNK_SIZE: 'the chunked body is malformed (a chunk size must be hexadecimal digits)',
  HPE_CR_EXPECTED: 'every line must end with CRLF',
  HPE_LF_EXPECTED: 'every line must end with CRLF',
  HPE_STRICT: 'every line must end with CRLF',
};

/**
 * llhttp's reason where one code covers several mistakes: a bare LF after the version is HPE_INVALID_VERSION,
 * a Content-Length given twice HPE_UNEXPECTED_CONTENT_LENGTH, as with Transfer-Encoding.
 */
const BY_REASON: Record<string, string> = {
  'Expected CRLF after version': 'every line must end with CRLF (the request line does not)',
  'Duplicate Content-Length': 'Content-Length is given twice: send it once',
  'Content-Length can\'t be present with Transfer-Encoding': 'Content-Length and Transfer-Encoding must not be sent together',
  'Transfer-Encoding can\'t be present with Content-Length': 'Content-Length and Transfer-Encoding must not be sent together',
  'Missing expected LF after header value': 'a header value holds a bare CR, or its line does not end with CRLF',
};

/** The message for a request llhttp refused with `code` and, where Node gives it, llhttp's `reason`. */
export function parserErrorMessage(code: string | undefined, reason?: string): string {
  const why = (reason !== undefined ? BY_REASON[reason] : undefined) ?? (code && WHY[code]) ?? 'it is not valid HTTP/1.1';
  return `Malformed HTTP request: ${why}${code ? ` (${code})` : ''}`;
}
