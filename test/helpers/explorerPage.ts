// Driving the explorer page in the browser tests: an action, then the wait until the page has drawn the
// answer to the request it caused (a new `data-loaded` on .report, and no longer `aria-busy`).
import type { Page } from 'playwright-core';

export async function redrawn(page: Page, act: () => Promise<unknown>): Promise<void> {
  const before = await page.getAttribute('.report', 'data-loaded');
  await act();
  await page.waitForFunction((b) => {
    const el = document.querySelector('.report');
    const now = el?.getAttribute('data-loaded') ?? null;
    return el !== null && now !== null && now !== b && !el.hasAttribute('aria-busy');
  }, before);
}

/** Chooses a value of a select and waits for the page to draw the answer. */
export function change(page: Page, selector: string, value: string): Promise<void> {
  return redrawn(page, () => page.selectOption(selector, value));
}
