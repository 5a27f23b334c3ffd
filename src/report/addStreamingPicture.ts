// exceljs's streaming WorkbookWriter (needed for bounded memory, see writeXlsx.ts) can place a picture
// only as a tiled sheet background, not as a floating image. The Summary sheet needs the LTV chart, so
// this adds the three parts a floating picture is made of in SpreadsheetML, using exceljs 4.4.0's own
// media and relationship writers: the sheet's `<drawing>` element and relationship, the drawing part
// that anchors the image, and its content type. Internals are touched here and only here; the
// writeXlsx tests read the picture back, so an exceljs upgrade that breaks this fails loudly.
import type ExcelJS from 'exceljs';
import { escapeHtml } from '../format/text.js';

const DRAWING_REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships/drawing';
const IMAGE_REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships/image';
const DRAWING_TYPE = 'application/vnd.openxmlformats-officedocument.drawing+xml';
const EMU_PER_PIXEL = 9525;

/** The parts of exceljs 4.4.0's stream writers this file relies on. */
interface WorkbookWriterInternals {
  zip: { append(data: string | Buffer, opts: { name: string }): unknown; abort(): unknown };
  /** The file the zip is piped to. */
  stream: { destroy(): unknown };
  addImage(image: { buffer: Buffer; extension: 'png' }): number;
  /** The medium addImage made: its buffer is read when the workbook is committed (addMedia). */
  getImage(id: number): { name: string; buffer: Buffer };
}
interface WorksheetWriterInternals {
  id: number;
  stream: { write(xml: string): unknown };
  _sheetRelsWriter: { addRelationship(rel: { Type: string; Target: string }): string };
  _writeLegacyData(): void;
}

export interface PictureAnchor {
  /** Zero-based column and row of the top-left cell. */
  col: number;
  row: number;
  /** Displayed size in pixels. */
  width: number;
  height: number;
  /** Alternative text for screen readers. */
  description: string;
}

/**
 * A PNG still being drawn (on the chart thread): its size in pixels now, which the sheet's layout needs,
 * and its bytes by the time the workbook is committed, the only moment exceljs reads them. A workbook so
 * starts while its charts are drawn instead of after (pipeline.ts).
 */
export interface LatePng {
  width: number;
  height: number;
  png: Promise<Buffer>;
}

export type Picture = Buffer | LatePng;

/** Width and height from a PNG's IHDR chunk (bytes 16–23, big-endian). */
export function pngSize(png: Buffer): { width: number; height: number } {
  if (png.length < 24 || png.toString('latin1', 12, 16) !== 'IHDR') throw new Error('chartPng is not a PNG');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** A picture's size in pixels: a PNG's own, or the one a late PNG was announced with. */
export function pictureSize(p: Picture): { width: number; height: number } {
  return Buffer.isBuffer(p) ? pngSize(p) : { width: p.width, height: p.height };
}

/** The late pictures of each workbook, set into its media as they come (picturesDrawn awaits them). */
const lateMedia = new WeakMap<object, Promise<void>[]>();

/**
 * Waits until every late picture of the workbook is in its media: call before workbook.commit(). Fails
 * with the first picture that failed to draw, or that came in another size than announced (the layout
 * was made for that size).
 */
export async function picturesDrawn(workbook: ExcelJS.stream.xlsx.WorkbookWriter): Promise<void> {
  try {
    await Promise.all(lateMedia.get(workbook) ?? []);
  } catch (e) {
    // No workbook without its charts: the zip stops and its file is closed (the run fails, and its
    // staging directory goes), not left open in a worker that runs on.
    const wb = workbook as unknown as WorkbookWriterInternals;
    wb.zip.abort();
    wb.stream.destroy();
    throw e;
  }
}

/** Call before the sheet is committed and before the workbook is. */
export function addStreamingPicture(
  workbook: ExcelJS.stream.xlsx.WorkbookWriter,
  sheet: ExcelJS.Worksheet,
  picture: Picture,
  anchor: PictureAnchor,
): void {
  const wb = workbook as unknown as WorkbookWriterInternals;
  const ws = sheet as unknown as WorksheetWriterInternals;
  const late = Buffer.isBuffer(picture) ? null : picture;
  const media = wb.getImage(wb.addImage({ buffer: late ? Buffer.alloc(0) : (picture as Buffer), extension: 'png' }));
  if (late) {
    const filled = late.png.then((png) => {
      const { width, height } = pngSize(png);
      if (width !== late.width || height !== late.height) {
        throw new Error(`a chart came ${width} × ${height} pixels, announced as ${late.width} × ${late.height}`);
      }
      media.buffer = png;
    });
    // Awaited by picturesDrawn; a failure meanwhile is not an unhandled rejection.
    filled.catch(() => undefined);
    lateMedia.set(workbook, [...(lateMedia.get(workbook) ?? []), filled]);
  }
  const drawing = `drawing${ws.id}`;

  const rId = ws._sheetRelsWriter.addRelationship({ Type: DRAWING_REL, Target: `../drawings/${drawing}.xml` });
  // SpreadsheetML orders <drawing> right before <legacyDrawing>, which exceljs writes last.
  const writeLegacyData = ws._writeLegacyData.bind(ws);
  ws._writeLegacyData = () => {
    ws.stream.write(`<drawing r:id="${rId}"/>`);
    writeLegacyData();
  };

  wb.zip.append(drawingXml(anchor), { name: `xl/drawings/${drawing}.xml` });
  wb.zip.append(
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' +
      '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
      `<Relationship Id="rId1" Type="${IMAGE_REL}" Target="../media/${media.name}"/>` +
      '</Relationships>',
    { name: `xl/drawings/_rels/${drawing}.xml.rels` },
  );

  // exceljs builds [Content_Types].xml at commit without drawings; add ours as it goes into the zip.
  const append = wb.zip.append.bind(wb.zip);
  wb.zip.append = (data, opts) => {
    if (opts.name === '[Content_Types].xml') {
      const xml = String(data);
      if (!xml.includes('</Types>')) throw new Error('exceljs wrote an unexpected [Content_Types].xml');
      return append(xml.replace('</Types>', `<Override PartName="/xl/drawings/${drawing}.xml" ContentType="${DRAWING_TYPE}"/></Types>`), opts);
    }
    return append(data, opts);
  };
}

function drawingXml(a: PictureAnchor): string {
  const cx = Math.round(a.width * EMU_PER_PIXEL);
  const cy = Math.round(a.height * EMU_PER_PIXEL);
  const descr = escapeHtml(a.description);
  return (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' +
    '<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing" ' +
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" ' +
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">' +
    '<xdr:oneCellAnchor editAs="oneCell">' +
    `<xdr:from><xdr:col>${a.col}</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>${a.row}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from>` +
    `<xdr:ext cx="${cx}" cy="${cy}"/>` +
    '<xdr:pic>' +
    `<xdr:nvPicPr><xdr:cNvPr id="2" name="LTV chart" descr="${descr}"/><xdr:cNvPicPr><a:picLocks noChangeAspect="1"/></xdr:cNvPicPr></xdr:nvPicPr>` +
    '<xdr:blipFill><a:blip r:embed="rId1"/><a:stretch><a:fillRect/></a:stretch></xdr:blipFill>' +
    `<xdr:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="${cx}" cy="${cy}"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></xdr:spPr>` +
    '</xdr:pic>' +
    '<xdr:clientData/>' +
    '</xdr:oneCellAnchor>' +
    '</xdr:wsDr>'
  );
}
