// What the run email says, decided once (composeRunEmail) and rendered twice: HTML and plain text.
import type { TenantReport } from '../ltv/model.js';
import type { Headline } from './headlineLtv.js';
import type { HeatmapView } from './heatmapView.js';
import type { PreviousRun } from './previousRun.js';

export interface ReportFile {
  name: string;
  bytes: number;
  /** Attached to the message; otherwise linked (`url`) or named by its path on the server. */
  attached: boolean;
  url: string | null;
  path: string;
}

export interface RunEmailContent {
  report: TenantReport;
  job: string;
  subject: string;
  headline: Headline;
  /** As-of in the report time zone, "2026-03-16 15:00". */
  asOfLocal: string;
  heatmap: HeatmapView | null;
  /** `cid:` of the inline chart, null when the run has no ltv.png. */
  chartCid: string | null;
  files: ReportFile[];
  maxAttachmentBytes: number;
  /** The tenant's run before this one: the headline figures show their change since it. */
  previous: (PreviousRun & { asOfLocal: string }) | null;
  /** Proceeds and net revenue mean something only when the inputs had commission or tax data. */
  feesKnown: boolean;
}
