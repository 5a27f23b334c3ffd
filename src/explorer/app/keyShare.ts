// SPEC §10: the key is entered once per browser session. sessionStorage alone is one tab's: a second tab
// (a link opened in a new tab, a duplicated one) asked again. The tabs of this origin share it over a
// BroadcastChannel (same origin only, nothing leaves the browser, never in a URL): a tab without a key asks,
// one that has it answers; signing out in one tab signs out every tab. The key still lives in each tab's
// sessionStorage, so it is gone when the browser session ends (and when the last tab holding it closes).
const CHANNEL = 'ltv-explorer-key';
/** How long a new tab waits for another tab's answer before it asks for the key itself. */
const ASK_MS = 250;

type Message = { type: 'ask' } | { type: 'key'; key: string } | { type: 'sign-out' };

export class KeyShare {
  private readonly channel: BroadcastChannel | null;
  private onSignOut: () => void = () => undefined;

  constructor(private readonly storageKey: string) {
    this.channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(CHANNEL) : null;
    this.channel?.addEventListener('message', (e: MessageEvent<Message>) => {
      const m = e.data;
      if (m?.type === 'ask') {
        const key = sessionStorage.getItem(this.storageKey);
        if (key) this.channel!.postMessage({ type: 'key', key } satisfies Message);
      } else if (m?.type === 'sign-out' && sessionStorage.getItem(this.storageKey) !== null) {
        sessionStorage.removeItem(this.storageKey);
        this.onSignOut();
      }
    });
  }

  /** This tab's own key, if it has one. */
  own(): string | null {
    return sessionStorage.getItem(this.storageKey);
  }

  /** This tab's key, else another open tab's (kept in this tab when it signs in with it), else null. */
  async key(): Promise<string | null> {
    const own = sessionStorage.getItem(this.storageKey);
    if (own || !this.channel) return own;
    const channel = this.channel;
    return new Promise((resolve) => {
      const answer = (e: MessageEvent<Message>): void => {
        if (e.data?.type !== 'key' || typeof e.data.key !== 'string') return;
        done(e.data.key);
      };
      const done = (key: string | null): void => {
        clearTimeout(timer);
        channel.removeEventListener('message', answer);
        resolve(key);
      };
      const timer = setTimeout(() => done(null), ASK_MS);
      channel.addEventListener('message', answer);
      channel.postMessage({ type: 'ask' } satisfies Message);
    });
  }

  /** Keeps the key this tab signed in with (other tabs get it when they ask). */
  keep(key: string): void {
    sessionStorage.setItem(this.storageKey, key);
  }

  /** Forgets the key in this tab only (it was refused: each tab finds that out itself). */
  forget(): void {
    sessionStorage.removeItem(this.storageKey);
  }

  /** Signs out here and in every other tab of this browser session. */
  signOut(): void {
    sessionStorage.removeItem(this.storageKey);
    this.channel?.postMessage({ type: 'sign-out' } satisfies Message);
  }

  /** What this tab does when another tab signs out. */
  whenSignedOutElsewhere(f: () => void): void {
    this.onSignOut = f;
  }
}
