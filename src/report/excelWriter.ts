// exceljs's streaming WorkbookWriter and its enums, the only parts of exceljs a run uses, loaded without the
// rest (the in-memory Workbook, the streaming reader, csv, and the zip and XML readers they pull in).
// `import('exceljs')` loads all of it: 0.21–0.32 s of wall time and 0.28–0.38 s of CPU in a fresh process,
// on the run's one thread, against 0.10–0.14 s and 0.14–0.18 s for these two files. The paths are exceljs
// 4.4.0's (pinned in package.json, which has no "exports" map to forbid them); writeXlsx.test.ts reads every
// workbook back with the whole of exceljs, so an upgrade that moves them fails there.
import type ExcelJS from 'exceljs';

export interface ExcelWriter {
  WorkbookWriter: typeof ExcelJS.stream.xlsx.WorkbookWriter;
  ValueType: typeof ExcelJS.ValueType;
}

let loading: Promise<ExcelWriter> | undefined;

export function excelWriter(): Promise<ExcelWriter> {
  loading ??= Promise.all([
    import('exceljs/lib/stream/xlsx/workbook-writer.js' as string) as Promise<{ default: ExcelWriter['WorkbookWriter'] }>,
    import('exceljs/lib/doc/enums.js' as string) as Promise<{ default: { ValueType: ExcelWriter['ValueType'] } }>,
  ]).then(([writer, enums]) => ({ WorkbookWriter: writer.default, ValueType: enums.default.ValueType }));
  return loading;
}
