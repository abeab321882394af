'use strict';
// Drives hatchway's WebSocket Client through the Autobahn|Testsuite fuzzing-server protocol:
//
//   1. ws://HOST/getCaseCount                      one text message: the number of cases
//   2. ws://HOST/runCase?case=N&agent=AGENT         for N = 1..count: echo every message back
//                                                  (text as text, binary as binary) until close
//   3. ws://HOST/updateReports?agent=AGENT          the server writes its reports
//
// Usage: URL=ws://127.0.0.1:9001 npm run example:fuzzingclient-driver
// Optional: AGENT (default hatchway), CASES (for example "1-10,42" to run only those),
// CASE_TIMEOUT (seconds one case may take, default 120).
const { Client } = require('hatchway');

const base = (process.env.URL || process.argv[2] || 'ws://127.0.0.1:9001').replace(/\/+$/, '');
const agent = process.env.AGENT || 'hatchway';
const caseTimeoutMs = Number(process.env.CASE_TIMEOUT || 120) * 1000;

/**
 * Opens `url`, runs `onOpen(ws)` and `onMessage(ws, data)`, and resolves with the close event.
 * A connection that outlives `timeoutMs` is dropped (and reported by the caller).
 */
function session(url, { onMessage, timeoutMs = caseTimeoutMs } = {}) {
  return new Promise((resolve) => {
    const ws = new Client(url);
    const errors = [];
    const timer = setTimeout(() => {
      errors.push(`timed out after ${timeoutMs / 1000} s`);
      ws.terminate();
    }, timeoutMs);
    ws.on('message', (event) => onMessage?.(ws, event.data));
    ws.on('error', (event) => errors.push(event.message));
    ws.on('close', (event) => {
      clearTimeout(timer);
      resolve({ code: event.code, reason: event.reason, wasClean: event.wasClean, errors });
    });
  });
}

/** "1-3,7" → [1, 2, 3, 7], within 1..count. */
function selectCases(spec, count) {
  if (!spec) return Array.from({ length: count }, (_, i) => i + 1);
  const picked = new Set();
  for (const part of spec.split(',')) {
    const [from, to = from] = part.trim().split('-').map(Number);
    for (let n = from; n <= to; n++) if (n >= 1 && n <= count) picked.add(n);
  }
  return [...picked].sort((a, b) => a - b);
}

async function main() {
  let count = NaN;
  const counted = await session(`${base}/getCaseCount`, {
    timeoutMs: 10_000,
    onMessage: (_ws, data) => {
      count = Number.parseInt(String(data), 10);
    },
  });
  if (!Number.isInteger(count) || count < 0) {
    console.error(`could not read the case count from ${base}/getCaseCount (close ${counted.code}; ${counted.errors.join('; ') || 'no message'})`);
    process.exitCode = 1;
    return;
  }
  const cases = selectCases(process.env.CASES, count);
  console.log(`${count} cases on ${base}; running ${cases.length} as agent "${agent}"`);

  for (const n of cases) {
    const url = `${base}/runCase?case=${n}&agent=${encodeURIComponent(agent)}`;
    // Echo every message as it came: a string goes back as text, a Buffer as binary.
    const result = await session(url, { onMessage: (ws, data) => ws.send(data) });
    const note = result.errors.length > 0 ? ` (${result.errors.join('; ')})` : '';
    console.log(`case ${n}/${count}: close ${result.code}${result.wasClean ? '' : ' (not clean)'}${note}`);
  }

  const updated = await session(`${base}/updateReports?agent=${encodeURIComponent(agent)}`, { timeoutMs: 60_000 });
  if (updated.errors.length > 0) {
    console.error(`updateReports failed: ${updated.errors.join('; ')}`);
    process.exitCode = 1;
    return;
  }
  console.log('reports updated');
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
