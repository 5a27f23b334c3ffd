// What a request Node's HTTP parser (llhttp) refused did wrong, in words a client developer acts on: the
// parser's own code (HPE_INVALID_HEADER_TOKEN) is kept in brackets for searching, not as the message.
const WHY: Record<string, string> = {
  HPE_INVALID_HEADER_TOKEN: 'a header name or value holds a character HTTP does not allow (a NUL, a bare CR or LF, a space in a name)',
  HPE_INVALID_METHOD: 'the method is not an HTTP method',
  HPE_INVALID_URL: 'the request target is not a valid path',
  HPE_INVALID_VERSION: 'the version must be HTTP/1.0 or HTTP/1.1',
  HPE_INVALID_CONSTANT: 'the request line must be "METHOD /path HTTP/1.1"',
  HPE_UNEXPECTED_CONTENT_LENGTH: 'Content-Length and Transfer-Encoding must not be sent together',
  HPE_INVALID_TRANSFER_ENCODING: 'Transfer-Encoding must end with chunked, and not come with Content-Length',
  HPE_INVALID_CONTENT_LENGTH: 'Content-Length must be one whole number',
  HPE_INVALID_CHUNK_SIZE: 'the chunked body is malformed (a chunk size must be hexadecimal digits)',
  HPE_CR_EXPECTED: 'every line must end with CRLF',
  HPE_LF_EXPECTED: 'every line must end with CRLF',
  HPE_STRICT: 'every line must end with CRLF',
};

export function parserErrorMessage(code: string | undefined): string {
  const why = (code && WHY[code]) ?? 'it is not valid HTTP/1.1';
  return `Malformed HTTP request: ${why}${code ? ` (${code})` : ''}`;
}
