// format.js: numbers in human units, for result panels, cards and charts,
// and how long ago something happened, for the teacher's dashboard.

const UNITS = ['KiB', 'MiB', 'GiB'];

/** "1,140" for 1140: digits grouped by commas (always en-US, whatever the reader's locale). */
export function grouped(n) {
  return Number(n).toLocaleString('en-US');
}

/** Bytes in human units: "48 bytes", "1.1 KiB", "12 MiB" (one decimal below 10). */
export function bytes(n) {
  if (n === null || n === undefined || !Number.isFinite(Number(n))) return 'unknown';
  n = Number(n);
  if (Math.abs(n) < 1024) return `${n} byte${n === 1 ? '' : 's'}`;
  let value = n;
  let unit = '';
  for (const u of UNITS) {
    value /= 1024;
    unit = u;
    if (Math.abs(value) < 1024) break;
  }
  const digits = Math.abs(value) < 10 ? 1 : 0;
  return `${value.toFixed(digits)} ${unit}`;
}

/** Bytes in human units with the exact count: "1.1 KiB (1,140 bytes)". */
export function bytesExact(n) {
  if (n === null || n === undefined) return 'unknown';
  return Math.abs(n) < 1024 ? bytes(n) : `${bytes(n)} (${grouped(n)} bytes)`;
}

/** Milliseconds: "0.3 ms", "12 ms", "2.3 s". */
export function millis(ms) {
  if (ms === null || ms === undefined) return 'unknown';
  if (ms < 10) return `${Number(ms).toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(1)} s`;
}

/** "1 check" / "2 checks". */
export function plural(n, word, many = `${word}s`) {
  return `${n} ${n === 1 ? word : many}`;
}

/**
 * How long before now a time was, both in ms since the epoch (now from
 * the same clock, the server's): "just now", "12 s ago", "3 min ago",
 * "2 h ago", "4 days ago"; "never" when there is no time.
 */
export function ago(then, now) {
  if (!then) return 'never';
  const s = Math.max(0, Math.round((now - then) / 1000));
  if (s < 5) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${plural(Math.floor(s / 86400), 'day')} ago`;
}
