// teach/poller.js: asks for something again and again, about once per
// interval, never two requests at once (a slow answer delays the next),
// until stopped or until alive() says the page that wanted it is gone.
// Owns nothing but its timer; errors go to onError, and polling goes on.

/**
 * Starts polling: load() gives a promise; onData(value) or onError(error)
 * gets each outcome. immediate: the first request now, else after one
 * interval (the caller has fresh data). Returns { stop, now } (now: poll
 * at once).
 */
export function poll({ load, onData, onError, alive = () => true, interval = 1000, immediate = true }) {
  let stopped = false;
  let timer = 0;
  let running = false;

  /** One request, then the next one scheduled. */
  async function tick() {
    clearTimeout(timer);
    if (stopped || running || !alive()) return;
    running = true;
    const started = Date.now();
    try {
      const value = await load();
      if (!stopped && alive()) onData(value);
    } catch (error) {
      if (!stopped && alive()) onError(error);
    } finally {
      running = false;
    }
    if (!stopped && alive()) timer = setTimeout(tick, Math.max(0, interval - (Date.now() - started)));
  }

  if (immediate) tick();
  else timer = setTimeout(tick, interval);
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
    now: tick,
  };
}
