// The symbol a reader expects for the report currency (SPEC §2), from the ICU data Node ships, so no
// table of currencies to maintain: USD → "$", EUR → "€", CAD → "CA$"; codes without a symbol ("CHF",
// "SEK", "XXX") come back as the code itself.
export function currencySymbol(currency: string): string {
  try {
    const parts = new Intl.NumberFormat('en-US', { style: 'currency', currency, currencyDisplay: 'symbol' }).formatToParts(0);
    const symbol = parts.find((p) => p.type === 'currency')?.value;
    // ICU answers "¤" (the generic sign) for XXX and similar: the code says more.
    return symbol === undefined || symbol === '¤' ? currency : symbol;
  } catch {
    // Not a well-formed code: show it as it is rather than failing a report over a label.
    return currency;
  }
}
