// api.js: the lesson server's JSON API (README.md, "API"). Every call
// resolves with the parsed body or rejects with an ApiError whose message
// is already in plain words for the learner. Answers that say whether the
// learner's progress was recorded ("progress") are passed to the watchers
// (watchProgress), whoever made the call.

/** An API call that did not produce an answer to show. */
export class ApiError extends Error {
  constructor(kind, message, status = 0, detail = '', retryAfter = null) {
    super(message);
    this.kind = kind; // 'busy' | 'network' | 'bad-request' | 'server'
    this.status = status;
    this.detail = detail; // the server's own sentence ({"error": ...}), or ''
    this.retryAfter = retryAfter; // seconds, from Retry-After, or null
  }
}

const BUSY_RETRIES = 2;
const progressWatchers = [];

/**
 * Calls fn(state, answer) for every answer with a "progress" member
 * ("saved", "queued", "off", "not_saved") and when a call made to record
 * progress fails (state "not_saved", answer null). Returns nothing.
 */
export function watchProgress(fn) {
  progressWatchers.push(fn);
}

/** Tells the watchers a progress state; a watcher that throws is skipped. */
export function noteProgress(state, answer = null) {
  for (const fn of progressWatchers) {
    try {
      fn(state, answer);
    } catch {
      /* one watcher's failure is not the caller's */
    }
  }
}

/** The seconds of a Retry-After header, or null when absent or not a number. */
function retryAfterOf(response) {
  const header = response.headers.get('Retry-After');
  return header !== null && header.trim() !== '' && Number.isFinite(Number(header)) ? Number(header) : null;
}

/** Waits ms milliseconds. */
function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Sends one request. A 503 (every runner busy) or 429 (this learner's
 * share of runs is taken) is retried after its Retry-After, twice, unless
 * retry is false; onBusy(attempt) is called before each wait so the page
 * can say so. keepalive lets the request outlive the page (sent as it
 * closes). Resolves with the parsed body; rejects with an ApiError.
 */
export async function request(method, path, body, { onBusy, retry = true, keepalive = false } = {}) {
  for (let attempt = 0; ; attempt++) {
    let response;
    try {
      response = await fetch(path, {
        method,
        headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: 'no-store',
        keepalive,
      });
    } catch {
      throw new ApiError(
        'network',
        'The lesson server could not be reached. Check that lessond is still running, then try again.',
      );
    }
    if ((response.status === 503 || response.status === 429) && retry && attempt < BUSY_RETRIES) {
      const wait = retryAfterOf(response);
      if (onBusy) onBusy(attempt + 1);
      await sleep((wait === null ? 1 : Math.min(wait, 5)) * 1000);
      continue;
    }
    let data = null;
    try {
      data = await response.json();
    } catch {
      data = null;
    }
    if (response.ok && data) {
      if (typeof data.progress === 'string') noteProgress(data.progress, data);
      return data;
    }
    throw errorFor(response.status, data, retryAfterOf(response));
  }
}

/** The ApiError for a non-2xx answer (retryAfter: its Retry-After, or null). */
function errorFor(status, data, retryAfter) {
  const detail = data && typeof data.error === 'string' ? data.error : '';
  if (status === 503) {
    return new ApiError(
      'busy',
      'The lesson server is busy: every Python runner is taken and the queue is full. ' +
        'Wait a few seconds and try again.',
      status,
      detail,
      retryAfter,
    );
  }
  if (status === 429) {
    return new ApiError(
      'busy',
      'You already have runs waiting (an experiment, or several Run presses). ' +
        'Wait for them to finish, then try again.',
      status,
      detail,
      retryAfter,
    );
  }
  if (status === 413) {
    return new ApiError('bad-request', `That is too long to run: ${detail || 'the code is over the size limit'}. Make it shorter.`, status, detail, retryAfter);
  }
  if (status >= 400 && status < 500) {
    return new ApiError('bad-request', `The server refused the request: ${detail || `HTTP ${status}`}.`, status, detail, retryAfter);
  }
  return new ApiError('server', `The server answered with an error (HTTP ${status}). Try again.`, status, detail, retryAfter);
}

/** GET /api/lessons: the course in order. */
export function lessons() {
  return request('GET', '/api/lessons').then((d) => d.lessons || []);
}

/** GET /api/lessons/{id}: one lesson with its steps. */
export function lesson(id) {
  return request('GET', `/api/lessons/${encodeURIComponent(id)}`);
}

/**
 * The body of a run or check: `fields`, and "python" when options.python
 * names one (else the server's default runs it).
 */
function withPython(fields, options = {}) {
  return options.python ? { ...fields, python: options.python } : fields;
}

/**
 * POST /api/run: runs code after the setup of lesson step (the run
 * contract). options: onBusy, and python ("3.13") to choose the Python.
 */
export function run(code, lessonId, stepId, options) {
  return request('POST', '/api/run', withPython({ code, lesson: lessonId, step: stepId }, options), options);
}

/** POST /api/check for a prediction (options as for run). */
export function checkPrediction(lessonId, stepId, answer, options) {
  return request('POST', '/api/check', withPython({ lesson: lessonId, step: stepId, answer }, options), options);
}

/** POST /api/check for a goal, or an experiment (code: its workload; options as for run). */
export function checkCode(lessonId, stepId, code, options) {
  return request('POST', '/api/check', withPython({ lesson: lessonId, step: stepId, code }, options), options);
}

/** POST /api/solution: a goal's solution. */
export function solution(lessonId, stepId) {
  return request('POST', '/api/solution', { lesson: lessonId, step: stepId }).then((d) => d.solution);
}

/** GET /api/pythons: the Pythons the server runs, oldest first: [{ version, full, default }]. */
export function pythons() {
  return request('GET', '/api/pythons');
}

/** GET /api/health: the Python version and sandbox layers. */
export function health() {
  return request('GET', '/api/health');
}
