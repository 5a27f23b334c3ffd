// mailparser 3.9 ships no typings; the part of simpleParser's result the email tests read.
declare module 'mailparser' {
  export interface AddressObject {
    value: { address?: string; name: string }[];
    text: string;
  }
  export interface Attachment {
    filename?: string;
    contentType: string;
    contentDisposition: string;
    cid?: string;
    content: Buffer;
    size: number;
    related?: boolean;
  }
  export interface ParsedMail {
    subject?: string;
    from?: AddressObject;
    to?: AddressObject | AddressObject[];
    cc?: AddressObject | AddressObject[];
    messageId?: string;
    date?: Date;
    headers: Map<string, unknown>;
    text?: string;
    html: string | false;
    attachments: Attachment[];
  }
  export function simpleParser(source: Buffer | string | NodeJS.ReadableStream, options?: Record<string, unknown>): Promise<ParsedMail>;
}
