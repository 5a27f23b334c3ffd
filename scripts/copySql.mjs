// Copies src/**/*.sql next to the compiled JavaScript, so the SQL loader finds them in dist/.
import { cp } from 'node:fs/promises';
await cp('src/sql', 'dist/sql', { recursive: true });
