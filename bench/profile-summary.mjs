#!/usr/bin/env node
/*
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): the functions with the most self time,
 * and the most inclusive time, with their file:line. `node bench/profile-summary.mjs FILE [N]`.
 * Lines refer to the compiled JavaScript; the bench build keeps the source layout
 * (.bench-out/hatchway/src/x.js comes from src/x.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function shortUrl(url, root) {
  if (!url) return '';
  let p = url.startsWith('file://') ? fileURLToPath(url) : url;
  if (root && p.startsWith(root)) {
    p = path.relative(root, p);
    p = p.replace(/^\.bench-out\/(?:hatchway|ablate\/[^/]+\/build)\//, 'hatchway:').replace(/^dist\/cjs\//, 'hatchway:');
    p = p.replace(/^node_modules\//, '');
  }
  return p;
}

export function summarizeProfile(profile, { root } = {}) {
  const byId = new Map();
  for (const node of profile.nodes) byId.set(node.id, node);
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  // Sample counts per node (hitCount is present in Node's profiles; recount from samples to be sure).
  const hits = new Map();
  for (const id of profile.samples ?? []) hits.set(id, (hits.get(id) ?? 0) + 1);
  const total = (profile.samples ?? []).length || 1;
  const durationMs = (profile.endTime - profile.startTime) / 1000;

  const keyOf = (node) => {
    const cf = node.callFrame;
    const name = cf.functionName || (cf.url ? '(anonymous)' : cf.functionName || '(native)');
    const where = shortUrl(cf.url, root);
    return where ? `${name} ${where}:${cf.lineNumber + 1}` : name;
  };
  const self = new Map();
  const inclusive = new Map();
  const ancestry = new Map();
  const keysOf = (id) => {
    if (ancestry.has(id)) return ancestry.get(id);
    const node = byId.get(id);
    const up = parent.has(id) ? keysOf(parent.get(id)) : [];
    const key = keyOf(node);
    const keys = up.includes(key) ? up : [...up, key];
    ancestry.set(id, keys);
    return keys;
  };
  const byFile = new Map();
  for (const [id, count] of hits) {
    const node = byId.get(id);
    const key = keyOf(node);
    self.set(key, (self.get(key) ?? 0) + count);
    for (const k of keysOf(id)) inclusive.set(k, (inclusive.get(k) ?? 0) + count);
    const file = shortUrl(node.callFrame.url, root) || key;
    byFile.set(file, (byFile.get(file) ?? 0) + count);
  }
  const rank = (map) =>
    [...map.entries()].sort((a, b) => b[1] - a[1]).map(([key, count]) => ({ key, pct: (100 * count) / total, samples: count }));
  return { samples: total, durationMs, self: rank(self), inclusive: rank(inclusive), files: rank(byFile) };
}

export function formatProfileSummary(summary, n = 20) {
  // Shares of the time the thread was not waiting in the event loop, beside shares of all samples.
  const idle = summary.self.find((e) => e.key === '(idle)')?.pct ?? 0;
  const busy = (pct) => (idle < 100 ? `${((100 * pct) / (100 - idle)).toFixed(1).padStart(5)}%` : '     -');
  const lines = [
    `${summary.samples} samples over ${(summary.durationMs / 1000).toFixed(1)} s, ${idle.toFixed(1)}% idle`,
    '',
    'self time (% of samples, % of busy samples):',
  ];
  for (const e of summary.self.slice(0, n)) lines.push(`  ${e.pct.toFixed(1).padStart(5)}% ${e.key === '(idle)' ? '      ' : busy(e.pct)}  ${e.key}`);
  lines.push('', 'self time by file:');
  for (const e of summary.files.slice(0, 12)) lines.push(`  ${e.pct.toFixed(1).padStart(5)}%  ${e.key}`);
  lines.push('', 'inclusive time (JavaScript functions):');
  for (const e of summary.inclusive.filter((x) => / \S+:\d+$/.test(x.key)).slice(0, n)) lines.push(`  ${e.pct.toFixed(1).padStart(5)}% ${busy(e.pct)}  ${e.key}`);
  return lines.join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: node bench/profile-summary.mjs FILE.cpuprofile [N]');
    process.exit(2);
  }
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const summary = summarizeProfile(JSON.parse(fs.readFileSync(file, 'utf8')), { root });
  console.log(formatProfileSummary(summary, Number(process.argv[3] ?? 25)));
}
