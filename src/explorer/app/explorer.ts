// Entry of the explorer bundle (src/explorer/assets/explorer.js). One bundle for both pages: report.html
// carries its data in a JSON block (static mode), the page of `ltv serve` talks to the server.
import { h } from './dom.js';
import { startServed } from './served.js';
import { startStatic } from './static.js';

function boot(): void {
  const host = document.getElementById('app');
  if (!host) return;
  const block = document.getElementById('ltv-data');
  if (block) {
    startStatic(host, block).catch((e: unknown) => {
      host.replaceChildren(h('p', { class: 'error', role: 'alert' }, `This report could not be read: ${(e as Error).message}`));
    });
  } else {
    startServed(host);
  }
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot);
else boot();
