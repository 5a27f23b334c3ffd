// The explorer served by `ltv serve` (SPEC §10): sign-in, then the tenant's report. Every number comes
// from the server's own API: the matrix from Adapty's route (§6), with `prediction_months` when the run
// has a forecast (§9), the run list, headline, filter values and segment rows' states from the
// explorer's routes. The key is entered once per browser session (keyShare.ts: each tab's sessionStorage,
// shared by the open tabs) and travels only in the Authorization header, never in a URL; the view's state
// lives in the URL's fragment.
import { ACCOUNTING_TYPES, FILTER_COLUMNS, matrixId, PERIOD_TYPES, PERIOD_UNITS, SEGMENTATIONS, type FilterKey } from '../../ltv/model.js';
import { DOWNLOADS, EXPLORER_API, REPORT_DOWNLOADS, RUN_HEADER, type AttributeValue, type Download, type ForecastBrief, type RunDetail, type RunListing, type StatesResponse, type TenantListing, type TenantsResponse } from '../explorerApi.js';
import { applyStates, cohortCellCustomers, localWallClock, markPartial, rowsAreCohorts } from './cellState.js';
import { foldCase } from '../../format/foldCase.js';
import { visibleLine } from '../../format/text.js';
import { listed } from '../../format/listed.js';
import { predictionsUnsupported, type PredictionsAsked } from '../../serve/predictionsUnsupported.js';
import { clear, h, option, setText } from './dom.js';
import { middleCut } from './format.js';
import { KeyShare } from './keyShare.js';
import { buildReport, clearMatrix, commonControls, DEFAULT_CHOICE, forecastNote, noForecastNote, readChoice, renderHeadline, renderMatrix, type Choice, type ReportParts } from './report.js';
import { viewFromAdapty, type AdaptyBody, type ViewMatrix } from './view.js';

/** How long the last view's numbers may stay under new controls while the new answer is awaited. */
const STALE_AFTER_MS = 150;

const keys = new KeyShare('ltv.apiKey');
const SIGN_IN_MARK = 'ltv:sign-in';
/** The user-timing measure from sign-in to the first heatmap (read by the browser tests and the bench). */
export const FIRST_HEATMAP_MEASURE = 'ltv:sign-in→first-heatmap';
const ADAPTY_PATH = '/api/v1/client-api/metrics/ltv/';
/** How often the page asks whether a newer run was published (and whenever the tab is shown again). */
const NEWER_RUN_CHECK_MS = 60_000;

class ApiError extends Error {
  /** The field an Adapty error names (`errors[0].source`), when it names one. */
  constructor(readonly status: number, message: string, readonly source: string | null = null, readonly detail: string = message) {
    super(message);
  }
}

async function apiError(res: Response): Promise<ApiError> {
  try {
    const b = (await res.json()) as { errors?: { source: string; errors: string[] }[]; error?: { message?: string } };
    const first = b.errors?.[0];
    // Adapty's `non_field_errors` names no field: the reader gets the sentence alone.
    if (first) {
      // The server's sentence often names its field already ("filters.date must be …"): not twice.
      const text = first.errors.join('; ');
      const named = first.source === 'non_field_errors' || text.startsWith(first.source);
      return new ApiError(res.status, named ? text : `${first.source}: ${text}`, first.source, text);
    }
    if (b.error?.message) return new ApiError(res.status, b.error.message);
  } catch {
    // not JSON
  }
  return new ApiError(res.status, `HTTP ${res.status}`);
}

/**
 * A request the page could not even make (a header the browser refuses, …): the page's own failure, not
 * the server's; fetch throws the same TypeError for both, so the request is built first (`call`).
 */
class RequestError extends Error {}

/**
 * A tenant id as the `x-ltv-tenant` header carries it. A header carries Latin-1 only (fetch throws on any
 * other character, and trims spaces at either end): an id that is not plain printable ASCII is sent
 * percent-encoded, which the server decodes (adaptyRoute.ts pickTenant). A plain id goes as it is: the
 * server tries the id as sent first, so encoding `a b` would name a tenant `a%20b` where the key sees one.
 */
function tenantHeader(id: string): string {
  return /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/.test(id) ? id : encodeURIComponent(id);
}

/**
 * The explorer's route of a tenant's run. A browser removes the path segments "." and ".." (also written
 * %2E) before sending a URL, so those two tenant ids go as ".:" and "..:", a colon encodeURIComponent never
 * leaves as it is, which the server reads from the raw path (src/serve/explorerRoutes.ts visibleTenant).
 */
function runPath(tenant: string, run: string): string {
  const segment = tenant === '.' || tenant === '..' ? `${tenant}:` : encodeURIComponent(tenant);
  return `${EXPLORER_API}/tenants/${segment}/runs/${encodeURIComponent(run)}`;
}

async function call(key: string, path: string, init: RequestInit = {}): Promise<Response> {
  let req: Request;
  try {
    req = new Request(path, {
      ...init,
      headers: { ...(init.headers as Record<string, string> | undefined), authorization: `Api-Key ${key}` },
      cache: 'no-store',
      credentials: 'omit',
    });
  } catch (e) {
    throw new RequestError(`this page could not make its request (${(e as Error).message})`);
  }
  let res: Response;
  try {
    res = await fetch(req);
  } catch {
    // fetch's own words ("Failed to fetch") say nothing to a reader: the server is down or restarting.
    throw new ApiError(0, 'the server did not answer (ltv serve stopped or is restarting); try again in a moment');
  }
  if (!res.ok) throw await apiError(res);
  return res;
}

interface State extends Choice {
  tenant: string;
  run: string;
  from: string;
  to: string;
  filters: Partial<Record<FilterKey, string[]>>;
}

// The fragment's choices, each only when it is one the page offers: a bookmark edited by hand or
// made by another version must not reach the server (or the drawing) as an unknown period type,
// unit, segmentation, accounting type or date (those fall back to the defaults).
const HASH_CHOICES: Record<keyof Choice, readonly string[]> = { period_type: PERIOD_TYPES, period_unit: PERIOD_UNITS, segmentation: SEGMENTATIONS, accounting: ACCOUNTING_TYPES };
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
/** How many filter values a list shows at most (a search box narrows longer lists). */
const FILTER_VALUES_SHOWN = 500;

type DateRange = { min: string; max: string } | null | undefined;

/** Whether `v` is a calendar day written YYYY-MM-DD (2026-02-30 and 2026-13-45 are not). */
function isCalendarDay(v: string): boolean {
  if (!ISO_DATE.test(v)) return false;
  const d = new Date(`${v}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v;
}

/** Whether `v` is a calendar day inside the run's first payments. */
function dateInRange(v: string | undefined, range: DateRange): v is string {
  return v !== undefined && range !== null && range !== undefined && isCalendarDay(v) && v >= range.min && v <= range.max;
}

/**
 * The From (`from`) or To (`to`) date the page shows for `v`, of a fragment or typed in the field (README):
 * a date that is no calendar day, or lies outside the run's first payments, is that end of the run's range.
 */
function dateShown(end: 'from' | 'to', v: string | undefined, range: DateRange): string {
  if (dateInRange(v, range)) return v;
  return (end === 'from' ? range?.min : range?.max) ?? '';
}

/** A filter value the page offers: the run's spellings of one value, matched alike. */
interface OfferedValue extends AttributeValue {
  /** Every spelling in the run (`Pro`, `pro`), the one of most customers first: that one is `value`. */
  spellings: string[];
}

/**
 * The values of a filter key the page offers: none where every customer lacks the attribute. Spellings
 * differing only in case are one value (with their customers together: a customer has one value of each
 * attribute), as the server's filters match them (SPEC §6: `us` is `US`, by foldCase's fold); it is written
 * as the run writes it for most customers. Most customers first, then value, as the run lists them.
 */
function offeredValues(detail: RunDetail, k: FilterKey): OfferedValue[] {
  const values = detail.attributes[k] ?? [];
  if (values.length === 1 && values[0]?.value === 'unknown') return [];
  const byValue = new Map<string, OfferedValue>();
  for (const { value, customers } of values) {
    const same = byValue.get(foldCase(value));
    if (same) {
      same.customers += customers;
      same.spellings.push(value);
    } else byValue.set(foldCase(value), { value, customers, spellings: [value] });
  }
  return [...byValue.values()].sort((a, b) => b.customers - a.customers || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
}

/**
 * The filters keeping only values the run offers (a fragment may name others: they fall back to none), each
 * as the page offers it (offeredValues: `pro` is `Pro` where most customers have `Pro`).
 */
function offeredFilters(filters: State['filters'], detail: RunDetail): { filters: State['filters']; dropped: string[] } {
  const out: State['filters'] = {};
  const dropped: string[] = [];
  for (const [k, vs] of Object.entries(filters) as [FilterKey, string[] | undefined][]) {
    const offered = new Map(offeredValues(detail, k).map(({ value }) => [foldCase(value), value]));
    for (const v of vs ?? []) if (!offered.has(foldCase(v))) dropped.push(`${k} "${middleCut(v, 40)}"`);
    const kept = [...new Set((vs ?? []).map((v) => offered.get(foldCase(v))).filter((v): v is string => v !== undefined))];
    if (kept.length) out[k] = kept;
  }
  return { filters: out, dropped };
}

const hasFilters = (filters: State['filters']): boolean => Object.values(filters).some((v) => (v?.length ?? 0) > 0);

/** The fragment's view, and what of it the page did not understand (`name=value`, for the link's notice). */
function readHash(): Partial<State> & { unknown: string[] } {
  const p = new URLSearchParams(location.hash.replace(/^#/, ''));
  const s: Partial<State> & { unknown: string[] } = { unknown: [] };
  const said = (k: string, v: string): string => middleCut(v === '' ? k : `${k}=${v}`, 40);
  for (const k of ['tenant', 'run'] as const) {
    const v = p.get(k);
    if (v) s[k] = v;
  }
  for (const k of Object.keys(HASH_CHOICES) as (keyof Choice)[]) {
    const v = p.get(k);
    if (v && HASH_CHOICES[k].includes(v)) (s as Record<string, unknown>)[k] = v;
    else if (v !== null) s.unknown.push(said(k, v));
  }
  for (const k of ['from', 'to'] as const) {
    const v = p.get(k);
    if (v && isCalendarDay(v)) s[k] = v;
    else if (v !== null) s.unknown.push(said(k, v));
  }
  const filters: Partial<Record<FilterKey, string[]>> = {};
  for (const k of Object.keys(FILTER_COLUMNS) as FilterKey[]) {
    const v = p.getAll(`f.${k}`);
    if (v.length) filters[k] = v;
  }
  s.filters = filters;
  const known = new Set(['tenant', 'run', ...Object.keys(HASH_CHOICES), 'from', 'to', ...Object.keys(FILTER_COLUMNS).map((k) => `f.${k}`)]);
  for (const [k, v] of p) if (!known.has(k)) s.unknown.push(said(k, v));
  return s;
}

/**
 * Puts the view in the URL's fragment: a change of the reader's adds a history entry (Back returns to
 * the view before it), the page's own settling of the opened view replaces the current one.
 */
function writeHash(s: State, push: boolean): void {
  const p = new URLSearchParams();
  for (const k of ['tenant', 'run', 'period_type', 'period_unit', 'segmentation', 'accounting', 'from', 'to'] as const) if (s[k]) p.set(k, s[k]);
  for (const [k, vs] of Object.entries(s.filters)) for (const v of vs ?? []) p.append(`f.${k}`, v);
  const hash = `#${p.toString()}`;
  if (hash === location.hash) return;
  if (push) history.pushState(null, '', hash);
  else history.replaceState(null, '', hash);
}

/** The report signed in, if any: signing out stops it (its checks for a newer run sent the key on). */
let current: ServedReport | null = null;

function signedOut(host: HTMLElement, message: string | null): void {
  current?.dispose();
  current = null;
  showSignIn(host, message);
}

export function startServed(host: HTMLElement): void {
  keys.whenSignedOutElsewhere(() => {
    history.replaceState(null, '', location.pathname);
    signedOut(host, 'Signed out in another tab.');
  });
  if (keys.own()) {
    void openSession(host, keys.own()!, null);
    return;
  }
  // The form at once; an open tab of this browser session that has the key signs this one in (keyShare.ts),
  // unless the reader has started signing in meanwhile.
  const input = showSignIn(host, null);
  void keys.key().then((key) => {
    if (key && input.isConnected && input.value === '' && !current) void openSession(host, key, input);
  });
}

function showSignIn(host: HTMLElement, message: string | null): HTMLInputElement {
  clear(host);
  document.title = 'ltv explorer';
  // No `name` on the input: even if this script failed and the form were submitted natively, the key
  // would not be sent, let alone put in a URL.
  const input = h('input', { id: 'api-key', type: 'password', autocomplete: 'off', spellcheck: 'false', required: true, 'aria-describedby': 'key-help' });
  const form = h('form', { class: 'signin', method: 'post', action: '#', 'aria-label': 'Sign in' },
    h('h1', {}, 'ltv explorer'),
    h('label', { for: 'api-key' }, 'API key'),
    input,
    h('p', { id: 'key-help', class: 'help' }, 'The key of `ltv keys add`. It is kept in this browser\'s open tabs of the explorer until you sign out or close them.'),
    message ? h('p', { class: 'error', role: 'alert' }, message) : null,
    h('button', { type: 'submit' }, 'Sign in'),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const k = input.value.trim();
    if (!k) return;
    // The speed of the page (SPEC §10: first heatmap within 1 s of sign-in) in the browser's own
    // timeline: a user-timing measure from here to the first heatmap drawn (ServedReport.draw).
    performance.clearMarks(SIGN_IN_MARK);
    performance.mark(SIGN_IN_MARK);
    void openSession(host, k, input);
  });
  host.appendChild(h('main', { class: 'signin-page' }, form));
  input.focus();
  return input as HTMLInputElement;
}

async function openSession(host: HTMLElement, key: string, input: HTMLInputElement | null): Promise<void> {
  let tenants: TenantListing[];
  try {
    tenants = ((await (await call(key, `${EXPLORER_API}/tenants`)).json()) as TenantsResponse).tenants;
  } catch (e) {
    keys.forget();
    // A key the Authorization header cannot carry (a character outside Latin-1) is no key of `ltv keys add`.
    const msg = e instanceof ApiError && e.status === 401 ? 'This key was not accepted. Check it and try again.'
      : e instanceof RequestError ? 'This key was not accepted: it holds a character no key has (keys are letters, digits, _ and -). Check it and try again.'
        : `Could not sign in: ${(e as Error).message}`;
    showSignIn(host, msg);
    return;
  }
  if (input) input.value = '';
  keys.keep(key);
  if (tenants.length === 0) {
    clear(host);
    host.append(h('main', { class: 'signin-page' }, h('p', { class: 'error', role: 'alert' }, 'This key may see no tenant.')));
    return;
  }
  current?.dispose();
  current = new ServedReport(host, key, tenants);
  current.start();
}

class ServedReport {
  private state!: State;
  private parts!: ReportParts;
  private matrix: ViewMatrix | null = null;
  private seq = 0;
  private timer: number | undefined;
  /** Whether the shown run's detail was asked for (after its first answer). */
  private detailAsked = false;

  /** The run list as the server gave it last, when its tenant's latest run is one the page does not list yet. */
  private newer: { tenant: string; tenants: TenantListing[]; run: RunListing } | null = null;

  constructor(private readonly host: HTMLElement, private readonly key: string, private tenants: TenantListing[]) {}

  /** The view the URL's fragment names (what it leaves out, or names wrongly, from the defaults). */
  private stateFromHash(): State {
    const hash = readHash();
    // With no tenant named, the first one that has a run: a run-less first tenant is no place to open on.
    const tenant = this.tenants.find((t) => t.id === hash.tenant) ?? this.tenants.find((t) => t.runs.length > 0) ?? (this.tenants[0] as TenantListing);
    const run = tenant.runs.find((r) => r.run_id === hash.run) ?? tenant.runs[0];
    // What the link named that the page cannot show, said in one line above the report (a shared link to a
    // run removed since, or to a tenant this key does not see, silently showed another view).
    const notes: string[] = [];
    if (hash.tenant !== undefined && tenant.id !== hash.tenant) notes.push(`This link's tenant ${middleCut(hash.tenant, 40)} is not one this key sees: showing ${middleCut(tenant.id, 40)}.`);
    else if (hash.run !== undefined && run?.run_id !== hash.run) {
      notes.push(`This link's run ${middleCut(hash.run, 40)} is no longer published (or never was): showing ${run ? `the latest run, ${run.run_id}` : 'the tenant, which has no published run now'}.`);
    }
    if (hash.unknown.length > 0) notes.push(`Not understood in this link: ${hash.unknown.join(', ')}; the default is shown instead.`);
    this.linkNotice = notes.length ? notes.join(' ') : null;
    // Dates of another run (the fragment's run is gone, or its tenant) are not this run's range; a
    // fragment naming no run names the tenant's latest (the one shown), whose dates they are.
    const sameRun = run !== undefined && (hash.run === undefined || run.run_id === hash.run) && (hash.tenant === undefined || tenant.id === hash.tenant);
    const range = run?.first_payment_dates;
    const from = dateShown('from', sameRun ? hash.from : undefined, range);
    const to = dateShown('to', sameRun ? hash.to : undefined, range);
    // A reversed range (from after to) is no range the server answers (a 400, and the report cleared): the
    // run's whole range instead, as for any other value the page cannot use.
    const reversed = from > to;
    return {
      ...DEFAULT_CHOICE,
      ...pick(hash),
      tenant: tenant.id,
      run: run?.run_id ?? '',
      from: reversed ? dateShown('from', undefined, range) : from,
      to: reversed ? dateShown('to', undefined, range) : to,
      // Checked against the run's values (offeredFilters) before any request is made with them.
      filters: hash.filters ?? {},
    };
  }

  /** Ends when the reader signs out (here or in another tab) or the key is refused: no more checks. */
  private readonly alive = new AbortController();

  dispose(): void {
    this.alive.abort();
  }

  start(): void {
    this.state = this.stateFromHash();
    this.render();
    // The sign-in form is gone, and the focus with it: the report's title takes it.
    this.focusTitleIfLost();
    const { signal } = this.alive;
    // Back and Forward (entries of writeHash), or a fragment edited by hand, show the view they name.
    window.addEventListener('hashchange', () => {
      if (!this.host.contains(this.parts.root)) return; // signed out
      const next = this.stateFromHash();
      if (JSON.stringify(next) === JSON.stringify(this.state)) {
        // A fragment naming the view shown in other words (an unknown choice, a date outside the run):
        // the URL is rewritten to the view shown, as when it names another view.
        writeHash(this.state, false);
        this.showLinkNotice();
        return;
      }
      this.state = next;
      this.render();
    }, { signal });
    // The page stays on the run it shows (its requests name it), but says when a newer one is published.
    const timer = window.setInterval(() => void this.checkNewer(), NEWER_RUN_CHECK_MS);
    signal.addEventListener('abort', () => window.clearInterval(timer));
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') void this.checkNewer();
    }, { signal });
  }

  /** Asks for the run list; a latest run the page does not know is offered above the report. */
  private async checkNewer(): Promise<void> {
    let tenants: TenantListing[];
    try {
      tenants = ((await (await call(this.key, `${EXPLORER_API}/tenants`)).json()) as TenantsResponse).tenants;
    } catch {
      return; // asked again at the next check
    }
    const latestOf = (t: TenantListing | undefined): RunListing | undefined => t?.runs.find((r) => r.latest) ?? t?.runs[0];
    const latest = latestOf(tenants.find((t) => t.id === this.state.tenant));
    if (!latest || this.tenant().runs.some((r) => r.run_id === latest.run_id)) return;
    this.newer = { tenant: this.state.tenant, tenants, run: latest };
    // The run list is the server's now: the new run in it, marked latest, to be picked there too (it was
    // missing until "Show it", and "(latest)" stayed on the old run). The run shown stays listed and
    // selected, also where retention removed it meanwhile (its next request says so: runGone).
    const fresh = tenants.find((t) => t.id === this.state.tenant)!.runs;
    const shown = this.run();
    const runs = shown && !fresh.some((r) => r.run_id === shown.run_id) ? [...fresh, { ...shown, latest: false }] : fresh;
    this.tenants = this.tenants.map((t) => (t.id === this.state.tenant ? { ...t, runs } : t));
    const select = this.parts.root.querySelector<HTMLSelectElement>('#ctl-run');
    if (select) select.replaceChildren(...runs.map((r) => option(r.run_id, `${r.run_id}${r.latest ? ' (latest)' : ''}`, r.run_id === this.state.run)));
    this.showNewer();
  }

  /**
   * Keeps the filters whose values the run has. Only a fragment names others (a link made on another run, a
   * value edited by hand; the page offers only the run's): what is left out is said in the link's notice,
   * not dropped unseen, so the reader knows the report shown is not filtered as the link asked.
   */
  private keepOfferedFilters(detail: RunDetail): void {
    const { filters, dropped } = offeredFilters(this.state.filters, detail);
    this.state.filters = filters;
    if (dropped.length === 0) return;
    const note = `This run has no customer with ${dropped.join(', ')}: ${dropped.length === 1 ? 'that filter is' : 'those filters are'} left out.`;
    this.linkNotice = this.linkNotice ? `${this.linkNotice} ${note}` : note;
    this.showLinkNotice();
  }

  /** The link's notice (stateFromHash), above the report until the reader changes the view. */
  private showLinkNotice(): void {
    this.parts.root.querySelector('.link-notice')?.remove();
    if (this.linkNotice) this.parts.root.insertBefore(h('p', { class: 'link-notice', role: 'status' }, this.linkNotice), this.parts.headline);
  }

  private showNewer(): void {
    this.parts.root.querySelector('.newer-run')?.remove();
    if (this.newer?.tenant !== this.state.tenant) return;
    const { tenants, run } = this.newer;
    const show = this.showRunButton('Show it', tenants, run);
    const notice = h('p', { class: 'newer-run', role: 'status' },
      `A newer run was published: ${run.run_id} (as of ${run.as_of.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}). ${this.state.run ? `This page still shows run ${this.state.run}. ` : ''}`, show);
    this.parts.root.insertBefore(notice, this.parts.headline);
  }

  /**
   * The server no longer has the run the page shows (removed by retention, or its tenant's reports
   * removed since the page opened): says so and offers the tenant's latest run, instead of "Run not
   * found" under every later change.
   */
  private async runGone(): Promise<void> {
    const gone = this.state.run;
    let tenants: TenantListing[];
    try {
      tenants = ((await (await call(this.key, `${EXPLORER_API}/tenants`)).json()) as TenantsResponse).tenants;
    } catch (e) {
      setText(this.parts.status, `Could not load the report: ${(e as Error).message}`);
      return;
    }
    if (this.state.run !== gone) return;
    const tenant = tenants.find((t) => t.id === this.state.tenant);
    const latest = tenant?.runs.find((r) => r.latest) ?? tenant?.runs[0];
    const status = this.parts.status;
    clear(status);
    status.append(`Run ${gone} is no longer published (removed since this page opened, e.g. by the retention of old runs). `);
    if (!tenant || !latest) {
      status.append('This tenant has no published run now.');
      return;
    }
    status.append(this.showRunButton(`Show run ${latest.run_id}`, tenants, latest));
  }

  /** A button that shows `run` (of the run list `tenants`, the server's latest), its whole range, no filter. */
  private showRunButton(label: string, tenants: TenantListing[], run: RunListing): HTMLButtonElement {
    const show = h('button', { type: 'button' }, label);
    show.addEventListener('click', () => {
      this.linkNotice = null;
      this.tenants = tenants;
      this.newer = null;
      this.pushView = true;
      this.state = { ...this.state, run: run.run_id, from: run.first_payment_dates?.min ?? '', to: run.first_payment_dates?.max ?? '', filters: {} };
      this.render();
      // The button is gone with the notice: the focus fell to the page.
      this.focusTitleIfLost();
    });
    return show;
  }

  /** The report's title takes the focus when nothing on the page has it (WCAG 2.4.3). */
  private focusTitleIfLost(): void {
    if (document.activeElement && document.activeElement !== document.body) return;
    this.parts.root.querySelector<HTMLElement>('h1')?.focus();
  }

  private tenant(): TenantListing {
    return this.tenants.find((t) => t.id === this.state.tenant) as TenantListing;
  }

  private run(): RunListing | undefined {
    return this.tenant().runs.find((r) => r.run_id === this.state.run);
  }

  private render(): void {
    // A matrix of the view before (another tenant or run) is never drawn under this one's controls.
    this.matrix = null;
    // Rebuilding removes a focused date field, which blurs it while it is still in the page: its blur
    // (takeDate) read the old field's date as the reader's change to the view now shown, and Back after
    // a typed From pushed the typed view again (Back did nothing).
    this.rendering = true;
    try {
      this.rebuild();
    } finally {
      this.rendering = false;
    }
  }

  private rebuild(): void {
    const tenant = this.tenant();
    const run = this.run();
    const signOut = h('button', { type: 'button', class: 'secondary' }, 'Sign out');
    signOut.addEventListener('click', () => {
      keys.signOut();
      history.replaceState(null, '', location.pathname);
      signedOut(this.host, null);
    });
    const toolbar = h('div', { class: 'toolbar' }, this.downloads(), signOut);
    // The tab says which tenant and run it shows (several tabs, history, bookmarks); a text, never markup.
    document.title = visibleLine(`${tenant.id}${run ? ` · ${run.run_id}` : ''} · ltv explorer`);
    this.parts = buildReport(this.host, tenant.id, run ? `Run ${run.run_id} · as of ${run.as_of.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')} · ${run.timezone} · ${run.currency}` : 'No published run', toolbar);
    this.showNewer();
    this.showLinkNotice();
    const form = this.parts.controls;
    form.addEventListener('change', (e) => this.onChange(e));
    form.addEventListener('submit', (e) => e.preventDefault());
    // The tenant selector stays on a tenant with no run: it is the way to another tenant.
    if (this.tenants.length > 1) form.append(this.select('Tenant', 'tenant', this.tenants.map((t) => [t.id, t.id]), tenant.id));
    if (!run) {
      this.parts.status.textContent = 'This tenant has no published run yet.';
      writeHash(this.state, this.pushView);
      this.pushView = false;
      return;
    }
    form.append(
      this.select('Run', 'run', tenant.runs.map((r) => [r.run_id, `${r.run_id}${r.latest ? ' (latest)' : ''}`]), run.run_id),
      ...commonControls(this.state),
      this.dateField('From', 'from', this.state.from, run),
      this.dateField('To', 'to', this.state.to, run),
    );
    this.parts.extraControls.append(h('details', { class: 'filters' }, h('summary', {}, 'Filters'), h('p', { class: 'note' }, 'Loading values…')));
    // The headline from the run list (the manifest's copy of ltv.json's summary), at once; the run's
    // detail (filter values: a query of the run's customers) once the heatmap's answer is in, so it
    // never delays the heatmap (SPEC §10: first heatmap within 1 s of sign-in).
    if (run.summary) renderHeadline(this.parts.headline, run.summary, run.currency);
    this.detailAsked = false;
    void this.load();
  }

  private select(label: string, name: string, values: [string, string][], selected: string): HTMLElement {
    const id = `ctl-${name}`;
    const sel = h('select', { id, name });
    for (const [v, l] of values) sel.appendChild(option(v, l, v === selected));
    return h('div', { class: 'field' }, h('label', { for: id }, label), sel);
  }

  private dateField(label: string, name: string, value: string, run: RunListing): HTMLElement {
    const id = `ctl-${name}`;
    const range = run.first_payment_dates;
    // A run with no customer has no date to choose (dateRange).
    const title = range ? null : 'The run has no customer: no first payment to choose a date range from.';
    const input = h('input', { id, name, type: 'date', value, min: range?.min, max: range?.max, disabled: !range, title });
    // A date left half typed or outside the run's range (dateTyped waits while the field has the focus).
    input.addEventListener('blur', () => this.takeDate(input));
    return h('div', { class: 'field' }, h('label', { for: id }, label), input);
  }

  /** The date of the From or To field, taken into the view (dateTyped) and asked for when it changed it. */
  private takeDate(input: HTMLInputElement): void {
    if (this.rendering || !this.dateTyped(input)) return;
    // The reader's change: the view it makes gets its own history entry.
    this.pushView = true;
    clearTimeout(this.timer);
    void this.load();
  }

  /**
   * Takes the date of the From or To field into the view; whether it changed. A date outside the run's
   * first payments is that end of the run's range, as in a fragment (dateShown: one URL, one view): at once
   * when the date is set by a picker or a script, once the field is left while it is typed (a year being
   * typed passes through 0002, 0020, 0202). A field left with no whole date shows the view's date again.
   */
  private dateTyped(input: HTMLInputElement): boolean {
    // A field of a view no longer shown (the form was rebuilt) says nothing of this one.
    if (!input.isConnected) return false;
    const end = input.name as 'from' | 'to';
    const typing = document.activeElement === input;
    const range = this.run()?.first_payment_dates;
    if (typing && !dateInRange(input.value, range)) return false;
    const v = ISO_DATE.test(input.value) ? dateShown(end, input.value, range) : this.state[end];
    if (input.value !== v) input.value = v;
    if (v === this.state[end]) return false;
    this.state[end] = v;
    // A From after the To (or a To before the From) moves the other end with it: a reversed range was
    // asked for as it was, refused (400) and the report cleared.
    const other = end === 'from' ? 'to' : 'from';
    if (this.state.from > this.state.to) {
      this.state[other] = v;
      const field = document.getElementById(`ctl-${other}`);
      if (field instanceof HTMLInputElement) field.value = v;
    }
    return true;
  }

  private downloads(): HTMLElement {
    const run = this.run();
    const box = h('div', { class: 'downloads', role: 'group', 'aria-label': 'Downloads' });
    for (const file of DOWNLOADS) {
      if (!run?.downloads.includes(file)) continue;
      const b = h('button', { type: 'button', class: 'secondary', 'data-download': file }, file);
      b.addEventListener('click', () => void this.download(file, b));
      box.appendChild(b);
    }
    return box;
  }

  private async download(file: Download, button: HTMLButtonElement): Promise<void> {
    // Busy, not disabled: a disabled button loses the keyboard's focus to the page (it fell to <body>).
    if (button.getAttribute('aria-disabled') === 'true') return;
    button.setAttribute('aria-disabled', 'true');
    try {
      const res = await call(this.key, `${runPath(this.state.tenant, this.state.run)}/files/${file}`);
      // The key cannot ride on a link (never in a URL): fetch with the header, hand the bytes over.
      const url = URL.createObjectURL(await res.blob());
      // The server's name for it (Content-Disposition: the tenant's safe directory name, README "Outputs"):
      // the raw id made `..` a name starting with a dash and a 1,000-character id one no disk takes.
      const named = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1];
      const a = h('a', { href: url, download: named ?? file });
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) {
        void this.runGone();
        return;
      }
      setText(this.parts.status, `Download failed: ${(e as Error).message}`);
    } finally {
      button.removeAttribute('aria-disabled');
    }
  }

  private onChange(e: Event): void {
    const target = e.target as HTMLInputElement | HTMLSelectElement;
    // A filter's search box only narrows the list of values.
    if (target.type === 'search') return;
    const name = target.name;
    // The reader's change: the view it makes gets its own history entry, and the link's notice is past.
    this.pushView = true;
    this.linkNotice = null;
    this.parts.root.querySelector('.link-notice')?.remove();
    if (name === 'tenant' || name === 'run') {
      const tenantId = name === 'tenant' ? target.value : this.state.tenant;
      const tenant = this.tenants.find((t) => t.id === tenantId) as TenantListing;
      const run = name === 'run' ? tenant.runs.find((r) => r.run_id === target.value) : tenant.runs[0];
      this.state = { ...this.state, tenant: tenantId, run: run?.run_id ?? '', from: run?.first_payment_dates?.min ?? '', to: run?.first_payment_dates?.max ?? '', filters: {} };
      this.render();
      // The form was rebuilt: keep the keyboard where it was.
      document.getElementById(`ctl-${name}`)?.focus();
      return;
    }
    if (target instanceof HTMLInputElement && target.type === 'checkbox') {
      // From the state, not from the boxes shown: a search may hide chosen values.
      const k = target.dataset.filter as FilterKey;
      // A value matches in any case (offeredValues): unticked, no spelling of it stays.
      const chosen = new Set((this.state.filters[k] ?? []).filter((v) => foldCase(v) !== foldCase(target.value)));
      if (target.checked) chosen.add(target.value);
      const filters = { ...this.state.filters };
      if (chosen.size) filters[k] = [...chosen];
      else delete filters[k];
      this.state.filters = filters;
    } else if (name === 'from' || name === 'to') {
      // Whether the field still has the focus (a date being typed) shows only after the event: Chromium
      // dispatches the change of a date that typing completed with the focus on the body.
      this.pushView = false;
      const input = target as HTMLInputElement;
      setTimeout(() => this.takeDate(input), 0);
      return;
    } else {
      this.state = { ...this.state, ...readChoice(this.parts.controls) };
    }
    // Only a matrix drawn for these controls: after a failure there is none (nothing is drawn again).
    if (name === 'accounting' && this.matrix) {
      // Every Adapty body carries all three accounting types: no request needed.
      writeHash(this.state, true);
      this.draw();
      return;
    }
    // The matrix shown is another view's from here on: an accounting change before the new one is in asks
    // again rather than redrawing it (it drew the quarter matrix under unit "week" for the seconds the week
    // answer took).
    this.matrix = null;
    clearTimeout(this.timer);
    this.timer = window.setTimeout(() => void this.load(), target.type === 'checkbox' ? 300 : 0);
  }

  /** A run's detail (headline, filter values), asked for once per run: a published run does not change. */
  private fetchDetail(tenant: string, run: string): Promise<RunDetail> {
    const key = JSON.stringify([tenant, run]);
    let detail = this.details.get(key);
    if (!detail) {
      detail = call(this.key, runPath(tenant, run)).then(async (r) => (await r.json()) as RunDetail);
      detail.catch(() => this.details.delete(key));
      this.details.set(key, detail);
    }
    return detail;
  }

  private async loadDetail(): Promise<void> {
    const { tenant, run } = this.state;
    try {
      const detail = await this.fetchDetail(tenant, run);
      if (this.state.tenant !== tenant || this.state.run !== run) return;
      this.detail = detail;
      this.keepOfferedFilters(detail);
      renderHeadline(this.parts.headline, detail.summary, detail.currency);
      this.renderFilters(detail);
      // A heatmap drawn before the detail came says now where its whole matrix is.
      if (this.matrix && this.parts.heatmap.querySelector('.cut-note')) this.draw();
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return; // the heatmap's request says so (runGone)
      setText(this.parts.status, `Could not read the run: ${(e as Error).message}`);
    }
  }

  private renderFilters(detail: RunDetail): void {
    const box = h('details', { class: 'filters' });
    const active = Object.values(this.state.filters).reduce((n, v) => n + (v?.length ?? 0), 0);
    if (active > 0) box.open = true;
    box.appendChild(h('summary', {}, active ? `Filters (${active} selected)` : 'Filters'));
    const grid = h('div', { class: 'filter-grid' });
    for (const k of Object.keys(FILTER_COLUMNS) as FilterKey[]) {
      // A key whose every customer lacks the attribute offers nothing to choose.
      const values = offeredValues(detail, k);
      if (values.length === 0) continue;
      const label = k.replace(/_/g, ' ');
      const fs = h('fieldset', { 'data-filter-key': k }, h('legend', {}, label));
      const list = h('div', { class: 'values' });
      const more = h('p', { class: 'note more' });
      const index = new Map(values.map((v, i) => [v.value, i]));
      // The chosen values always (checked), then the values matching the search, FILTER_VALUES_SHOWN at most.
      const fill = (query: string): void => {
        const chosen = new Set(this.state.filters[k] ?? []);
        const needle = foldCase(query.trim());
        const matches = values.filter((v) => !chosen.has(v.value) && foldCase(v.value).includes(needle));
        const picked = values.filter((v) => chosen.has(v.value));
        const shown = [...picked, ...matches.slice(0, Math.max(0, FILTER_VALUES_SHOWN - picked.length))];
        clear(list);
        for (const v of shown) {
          const id = `f-${k}-${index.get(v.value) ?? 0}`;
          const cb = h('input', { type: 'checkbox', id, value: v.value, 'data-filter': k });
          cb.checked = chosen.has(v.value);
          // One box for the spellings the server matches alike; the tooltip names them.
          const title = v.spellings.length > 1 ? `Matched in any case: ${v.spellings.join(', ')}` : null;
          // The value isolated (<bdi>): a right-to-left one drew its count before its name.
          list.appendChild(h('div', { class: 'check' }, cb, h('label', { for: id, title }, h('bdi', {}, v.value), h('span', { class: 'count' }, ` ${v.customers}`))));
        }
        const total = picked.length + matches.length;
        more.remove();
        more.textContent = `${shown.length} of ${total} shown: type to narrow`;
        if (shown.length < total) fs.appendChild(more);
      };
      if (values.length > FILTER_VALUES_SHOWN) {
        const search = h('input', { type: 'search', 'aria-label': `Search the ${label} values`, placeholder: `Search ${values.length} values`, autocomplete: 'off', spellcheck: 'false' });
        search.addEventListener('input', () => fill(search.value));
        fs.appendChild(search);
      }
      fs.appendChild(list);
      fill('');
      grid.appendChild(fs);
    }
    if (!grid.firstChild) grid.appendChild(h('p', { class: 'note' }, 'The run has no attribute to filter by.'));
    box.appendChild(grid);
    const clearBtn = h('button', { type: 'button', class: 'secondary' }, 'Clear filters');
    clearBtn.addEventListener('click', () => {
      for (const cb of box.querySelectorAll<HTMLInputElement>('input[type=checkbox]')) cb.checked = false;
      this.state.filters = {};
      this.pushView = true;
      void this.load();
    });
    box.appendChild(clearBtn);
    box.addEventListener('change', (e) => this.onChange(e));
    clear(this.parts.extraControls);
    this.parts.extraControls.appendChild(box);
  }

  /**
   * The request's date range: the view's. A run with no customer has no first payment (its
   * `first_payment_dates` is null) and so no range to choose from, yet Adapty's route requires one; any
   * range matches no customer there, and the server still answers the Total row (SPEC §6: cohort_size 0,
   * value null), which the page draws as report.html does ("No customer matches."). The page asks with
   * the run's as-of day, its own local date, as both ends: the answer stays the server's (one source of
   * truth), the date fields are disabled and the URL names no date.
   */
  private dateRange(run: RunListing): [string, string] {
    if (run.first_payment_dates) return [this.state.from, this.state.to];
    const day = localWallClock(run.as_of, run.timezone).slice(0, 10);
    return [day, day];
  }

  private requestBody(run: RunListing): Record<string, unknown> {
    const filters: Record<string, unknown> = { date: this.dateRange(run) };
    for (const [k, v] of Object.entries(this.state.filters)) if (v && v.length) filters[k] = v;
    const body: Record<string, unknown> = { filters, period_type: this.state.period_type, period_unit: this.state.period_unit };
    if (this.state.segmentation !== 'cohort') body.segmentation = this.state.segmentation;
    return body;
  }

  private async load(): Promise<void> {
    const seq = ++this.seq;
    const run = this.run();
    if (!run) return;
    this.parts.status.textContent = 'Loading…';
    this.parts.root.setAttribute('aria-busy', 'true');
    // The last view's heatmap, curves and selection line stay under the new controls only as long as an
    // answer usually takes (no flicker); a slower one hides them until it comes (explorer.css data-stale):
    // the week matrix and its "period 105" showed under Unit: month for as long as the request lasted.
    const stale = setTimeout(() => {
      if (seq === this.seq) this.parts.root.dataset.stale = '';
    }, STALE_AFTER_MS);
    try {
      if (hasFilters(this.state.filters)) {
        // Filters of a fragment may name values the run does not have: checked against the run's own
        // values before they reach the server (the detail is asked for once per run).
        const detail = await this.fetchDetail(this.state.tenant, run.run_id);
        if (seq !== this.seq) return;
        this.keepOfferedFilters(detail);
      }
      writeHash(this.state, this.pushView);
      this.pushView = false;
      // Always the pinned run, the latest too: a run published mid-session must not answer this screen's
      // curves and heatmap while its header, headline and states come from the run the page shows.
      const headers: Record<string, string> = { 'content-type': 'application/json', 'x-ltv-tenant': tenantHeader(this.state.tenant), [RUN_HEADER]: run.run_id };
      const request = this.requestBody(run);
      const { period_type, period_unit, segmentation } = this.state;
      // Segment rows' states come from the run's own SQL (the body cannot tell them); asked at once.
      const states = rowsAreCohorts(segmentation)
        ? null
        : call(this.key, `${runPath(this.state.tenant, run.run_id)}/states`, { method: 'POST', headers, body: JSON.stringify(request) })
          .then(async (r) => (await r.json()) as StatesResponse);
      states?.catch(() => undefined);
      // What the server's rule for prediction_months reads of this request (adapty()).
      const asked: PredictionsAsked = { spec: { period_type, period_unit, segmentation }, format: 'json' };
      const { body, note } = await this.adapty(headers, request, asked, run.forecast);
      performance.mark('ltv:answer');
      if (!this.detailAsked) {
        this.detailAsked = true;
        void this.loadDetail();
      }
      if (seq !== this.seq) return;
      const matrix = viewFromAdapty(body, { period_type, period_unit, segmentation }, note);
      this.matrix = matrix;
      if (states) {
        // The values first (all marked complete); the partial marks as soon as the run's SQL has them
        // (the page stays busy and says so).
        this.draw();
        this.parts.status.textContent = 'Marking partial cells…';
        let unmarked: string | null = null;
        try {
          applyStates(matrix, await states);
        } catch (e) {
          if (e instanceof ApiError && e.status === 401) throw e;
          // The values stand (they are Adapty's answer); only their marks are missing, and the page says so.
          unmarked = `Partial cells could not be marked: ${(e as Error).message}`;
        }
        if (seq !== this.seq) return;
        this.draw();
        setText(this.parts.status, unmarked ?? '');
      } else {
        markPartial(matrix, { tLocal: localWallClock(run.as_of, run.timezone) });
        cohortCellCustomers(matrix);
        this.draw();
        this.parts.status.textContent = '';
      }
      this.parts.root.dataset.loaded = String(seq);
    } catch (e) {
      if (!this.detailAsked) {
        this.detailAsked = true;
        void this.loadDetail();
      }
      if (seq !== this.seq) return;
      // Nothing of another view stays under these controls (SPEC §10: one source of truth).
      this.matrix = null;
      clearMatrix(this.parts);
      if (e instanceof ApiError && e.status === 401) {
        keys.forget();
        signedOut(this.host, 'The key is no longer accepted. Sign in again.');
        return;
      }
      if (e instanceof ApiError && e.status === 404) {
        void this.runGone();
        return;
      }
      setText(this.parts.status, `Could not load the report: ${(e as Error).message}`);
    } finally {
      clearTimeout(stale);
      if (seq === this.seq) {
        this.parts.root.removeAttribute('aria-busy');
        delete this.parts.root.dataset.stale;
      }
    }
  }

  /**
   * The Adapty answer to the view's request, with the run's predictions up to its forecast's horizon when
   * it has one (SPEC §9 `prediction_months`). A combination the server predicts nothing for (its rule,
   * predictionsUnsupported, shared) is asked without it, and the page says why there is no prediction: asked
   * with it, the server's 400 was logged by the browser as a console error at every such change of view.
   * A 400 naming `prediction_months` all the same (a server of another version) falls back to the realized
   * answer, and the combination is not asked with it again.
   */
  private async adapty(headers: Record<string, string>, request: Record<string, unknown>, asked: PredictionsAsked, forecast: ForecastBrief | null): Promise<{ body: AdaptyBody; note: string | null }> {
    const post = async (body: Record<string, unknown>): Promise<AdaptyBody> => (await (await call(this.key, ADAPTY_PATH, { method: 'POST', headers, body: JSON.stringify(body) })).json()) as AdaptyBody;
    if (!forecast) return { body: await post(request), note: null };
    if (forecast.model === null) return { body: await post(request), note: noForecastNote(forecast.reason) };
    const unsupported = predictionsUnsupported(asked);
    if (unsupported !== null) return { body: await post(request), note: `No predictions for this selection: ${unsupported}.` };
    // A refusal the page did not foresee depends, as the rule does, on the period type, unit, segmentation
    // and the filters other than the date range, never on the range: a combination refused once is asked
    // for without prediction_months (one request, not two).
    const { date: _range, ...otherFilters } = request.filters as Record<string, unknown>;
    const combination = JSON.stringify({ ...request, filters: otherFilters });
    const refused = this.refused.get(combination);
    if (refused !== undefined) return { body: await post(request), note: `No predictions for this selection: ${refused}.` };
    try {
      const body = await post({ ...request, prediction_months: forecast.horizon_months });
      const predicted = body.revenue.data.some((r) => (r.predicted_values?.length ?? 0) > 0);
      const none = forecast.none === null ? 'the forecast predicts none of its rows' : forecast.none;
      if (!predicted) return { body, note: `No predicted cell for this selection: ${none}.` };
      const few = this.unpredictedRows(body, asked.spec, forecast);
      return { body, note: few ? `${forecastNote(forecast)} ${few}` : forecastNote(forecast) };
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 400 && e.source === 'prediction_months')) throw e;
      this.refused.set(combination, e.detail);
      return { body: await post(request), note: `No predictions for this selection: ${e.detail}.` };
    }
  }

  /**
   * Rows the server predicts nothing for, said in one sentence; null when none. By monthly cohort: those the
   * selection (its filters, a date range that cuts a cohort) leaves with fewer customers than a forecast
   * needs, named. Rows that group customers otherwise (a segment, cohorts by day, week, quarter or year)
   * predict as the Total of their customers' monthly cohorts does: those without a prediction are counted,
   * not named (a day-by-day view has hundreds). Their realized cells show as they are.
   */
  private unpredictedRows(body: AdaptyBody, spec: PredictionsAsked['spec'], forecast: ForecastBrief): string | null {
    const least = forecast.min_cohort_customers;
    const rows = body.revenue.data.filter((r) => r.type !== 'total');
    const none = rows.filter((r) => (r.predicted_values?.length ?? 0) === 0);
    if (spec.segmentation === 'month' || (spec.segmentation === 'cohort' && spec.period_unit === 'month')) {
      // Cohorts the run predicts as a whole: another's reason is the run's own (too little history …), not
      // the selection's size.
      const predicted = new Set(forecast.cohorts_predicted);
      const few = none.filter((r) => predicted.has(r.title) && r.cohort_size < least);
      if (few.length === 0) return null;
      const list = few.map((r) => `${r.title} (${r.cohort_size})`).join(', ');
      return `No prediction for ${list}: the selection keeps fewer than ${least} of ${few.length === 1 ? 'its' : 'their'} customers.`;
    }
    if (none.length === 0) return null;
    return `${none.length} of ${rows.length} rows have no prediction: fewer than ${least} of their customers are in monthly cohorts the forecast predicts or has realized to its horizon.`;
  }

  /** Draws the matrix; the first drawing after sign-in ends the sign-in measure, once it is painted. */
  private draw(): void {
    if (!this.matrix) return;
    renderMatrix(this.parts, this.matrix, this.state.accounting, this.whereWhole(this.matrix));
    performance.mark('ltv:drawn');
    if (performance.getEntriesByName(SIGN_IN_MARK, 'mark').length > 0 && !this.measuring && performance.getEntriesByName(FIRST_HEATMAP_MEASURE, 'measure').length === 0) {
      this.measuring = true;
      // The frame that shows the table: its animation-frame callback runs before style, layout and
      // paint; a task queued from it runs after them.
      requestAnimationFrame(() => setTimeout(() => performance.measure(FIRST_HEATMAP_MEASURE, SIGN_IN_MARK), 0));
    }
  }

  /**
   * Where the shown matrix's every cell is, for the heatmap's note when it shows part of it: the run's
   * downloads hold the job's matrices (RunDetail.matrices) over the run's whole range with no filter;
   * null while the run's detail is not in (nothing is claimed).
   */
  private whereWhole(m: ViewMatrix): string | null {
    const run = this.run();
    const detail = this.detail;
    if (!run || !detail || detail.tenant !== this.state.tenant || detail.run_id !== run.run_id || detail.matrices === null) return null;
    const files = REPORT_DOWNLOADS.filter((f) => run.downloads.includes(f));
    if (files.length === 0) return 'the run publishes no download of its matrices';
    const hold = `${listed(files)} ${files.length === 1 ? 'holds' : 'hold'}`;
    const id = matrixId(m);
    if (!detail.matrices.includes(id)) return `${hold} other matrices (${detail.matrices.join(', ')}), not this one`;
    const range = run.first_payment_dates;
    // A run with no customer has no range: its one date range is the whole (dateRange).
    const whole = !hasFilters(this.state.filters) && (!range || (this.state.from === range.min && this.state.to === range.max));
    return whole ? `${hold} this matrix whole` : `${hold} this matrix over the run's whole range with no filter, not this selection`;
  }

  private measuring = false;
  /** The server's reason for refusing predictions, by the request without its date range (adapty()). */
  private readonly refused = new Map<string, string>();
  /** Each run's detail, asked for once (fetchDetail). */
  private readonly details = new Map<string, Promise<RunDetail>>();
  /** The detail of the run shown, once it is in. */
  private detail: RunDetail | null = null;
  /** Whether the next view written to the URL is the reader's (a new history entry) or the page's own. */
  private pushView = false;
  /** What the opened link named that the page could not show; null: nothing. */
  private linkNotice: string | null = null;
  /** While the report's controls are rebuilt (render): a field's blur then is no choice of the reader's. */
  private rendering = false;
}

function pick(s: Partial<State>): Partial<Choice> {
  const out: Partial<Choice> = {};
  if (s.period_type) out.period_type = s.period_type;
  if (s.period_unit) out.period_unit = s.period_unit;
  if (s.segmentation) out.segmentation = s.segmentation;
  if (s.accounting) out.accounting = s.accounting;
  return out;
}
