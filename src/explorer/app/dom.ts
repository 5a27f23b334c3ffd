// Builds DOM nodes from data without ever parsing markup: every data text (segment titles, tenant
// names, values) becomes a text node (SPEC §10: "text, never markup"). No innerHTML anywhere. What the page
// shows, text and tooltips, has its control characters made visible as in every file a person opens, on one
// line (visibleLine, src/format/text.ts): "\u202eSU" would read "US" beside the real US, and HTML shows a
// tab, LF or CR as a space, so "pro\tplan" read "pro plan" beside the real one (visibleText keeps those
// three). Every text the page shows is one line. Attribute values the page reads back (value, data-*) stay exact.
import { visibleLine } from '../../format/text.js';

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined>;

/** Attributes a person reads (tooltips, labels read aloud). */
const SHOWN_ATTRIBUTES = new Set(['title', 'aria-label', 'alt', 'placeholder']);

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, v] of Object.entries(attrs)) {
    // Event handlers are attached with addEventListener; an `on…` attribute would be inline script.
    if (/^on/i.test(name)) throw new Error(`h(): refusing attribute ${name}`);
    if (v === null || v === undefined || v === false) continue;
    el.setAttribute(name, v === true ? '' : SHOWN_ATTRIBUTES.has(name) ? visibleLine(String(v)) : String(v));
  }
  append(el, ...children);
  return el;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(visibleLine(String(c))) : c);
  }
}

export function clear(el: Element): void {
  el.replaceChildren();
}

/** Sets an element's text (a status line, which may quote data from the server's answer) as append shows it. */
export function setText(el: Element, text: string): void {
  el.textContent = visibleLine(text);
}

export function option(value: string, label: string, selected: boolean): HTMLOptionElement {
  const o = h('option', { value }, label);
  o.selected = selected;
  return o;
}
