// The programs `npm run preview` drives, checked before any work: without one it failed with a stack trace
// after minutes of screenshots (spawnSync soffice ENOENT).
import { execFileSync } from 'node:child_process';

const TOOLS: Record<string, string> = { chromium: 'chromium', soffice: 'libreoffice-calc', pdftoppm: 'poppler-utils' };

export function needTools(names: readonly (keyof typeof TOOLS)[]): void {
  const missing = names.filter((n) => {
    try {
      execFileSync('sh', ['-c', `command -v ${n}`], { stdio: 'ignore' });
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length === 0) return;
  process.stderr.write(`preview: ${missing.join(', ')} not found: apt-get install -y ${[...new Set(missing.map((n) => TOOLS[n]))].join(' ')}\n`);
  process.exit(1);
}
