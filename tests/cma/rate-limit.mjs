// The official client against a rate-limited roster (run by
// tests/e2e/test_cma.py on a stack of its own with a tiny budget): CALLS
// calls of roles.list() in a row, more than the budget.  The client must
// see 429s, sleep X-RateLimit-Reset seconds (its only rate-limit input)
// and retry until each call succeeds.  Prints one JSON line:
// {"ok": N, "ms": elapsed, "log": [the client's log lines]}.
//
// Environment: ROSTER_CMA_BASE_URL, ROSTER_CMA_TOKEN, ROSTER_CMA_CALLS.

import { LogLevel, buildClient } from '@datocms/cma-client-node';

const log = [];
const client = buildClient({
  apiToken: process.env.ROSTER_CMA_TOKEN,
  baseUrl: process.env.ROSTER_CMA_BASE_URL,
  logLevel: LogLevel.BASIC,
  logFn: (line) => log.push(line),
});

const calls = Number.parseInt(process.env.ROSTER_CMA_CALLS || '6', 10);
const t0 = Date.now();
let ok = 0;
for (let i = 0; i < calls; i++) {
  const roles = await client.roles.list();
  if (roles.length === 2) ok++;
}
console.log(JSON.stringify({ ok, ms: Date.now() - t0, log }));
