// Every text that comes from data (tenant, cohort and segment titles, error messages) passes through
// here before it is put into HTML: a tenant named `<img src=x onerror=…>` is shown, never run.
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}
