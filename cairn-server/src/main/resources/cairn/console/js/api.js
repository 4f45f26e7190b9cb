// The console's HTTP client: session, CSRF, region, and the CloudTrail API through POST /console/api.

const TARGET_PREFIX = 'com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.';
const REGION_KEY = 'cairn.region';

let session = null;
let unauthorizedHandler = () => {};

export class ApiError extends Error {
  constructor(status, type, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.type = type;
  }
}

export function currentSession() { return session; }
export function setSession(s) { session = s; }
export function onUnauthorized(fn) { unauthorizedHandler = fn; }

export function getRegion() {
  if (!session) return null;
  let stored = null;
  try { stored = sessionStorage.getItem(REGION_KEY); } catch { /* storage blocked */ }
  const regions = session.regions || [];
  if (stored && (regions.length === 0 || regions.includes(stored))) return stored;
  return session.region || regions[0] || null;
}

export function setRegion(region) {
  try { sessionStorage.setItem(REGION_KEY, region); } catch { /* storage blocked */ }
}

function stripType(t) {
  if (!t || typeof t !== 'string') return null;
  const hash = t.lastIndexOf('#');
  const s = hash >= 0 ? t.slice(hash + 1) : t;
  const colon = s.indexOf(':');
  return colon >= 0 ? s.slice(0, colon) : s;
}

async function request(path, { method = 'GET', headers = {}, body, signal, authenticated = true } = {}) {
  let res;
  try {
    res = await fetch(path, { method, headers, body, signal, credentials: 'same-origin', cache: 'no-store', redirect: 'error' });
  } catch (e) {
    if (e && e.name === 'AbortError') throw e;
    throw new ApiError(0, 'NetworkError', 'Cannot reach the Cairn server. Check that it is running, then try again.');
  }
  if (res.status === 204) return null;
  const text = await res.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (!res.ok) {
    const type = stripType(data && data.__type) || stripType(res.headers.get('x-amzn-ErrorType')) || `HTTP${res.status}`;
    const message = (data && (data.message ?? data.Message)) || `${res.status} ${res.statusText || 'error'}`.trim();
    const err = new ApiError(res.status, type, message);
    if (res.status === 401 && authenticated) {
      session = null;
      unauthorizedHandler(err);
    }
    throw err;
  }
  return data;
}

function csrfHeaders() {
  return session && session.csrfToken ? { 'X-Cairn-CSRF': session.csrfToken } : {};
}

/** GET /console/session: the session, or null when not signed in. */
export async function loadSession() {
  try {
    session = await request('/console/session', { authenticated: false });
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) { session = null; return null; }
    throw e;
  }
  return session;
}

export async function signIn({ account, username, password }) {
  const body = { username, password };
  if (account) body.account = account;
  session = await request('/console/signin', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    authenticated: false,
  });
  return session;
}

export async function signOut() {
  try {
    await request('/console/signout', { method: 'POST', headers: csrfHeaders(), authenticated: false });
  } finally {
    session = null;
  }
}

/** POST a JSON body to a console endpoint, with the CSRF header. */
export function postJson(path, body, { signal } = {}) {
  return request(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...csrfHeaders() },
    body: JSON.stringify(body ?? {}),
    signal,
  });
}

/** GET a console endpoint; params is an object or URLSearchParams. */
export function getJson(path, params, { signal } = {}) {
  const qs = params ? new URLSearchParams(params).toString() : '';
  return request(qs ? `${path}?${qs}` : path, { signal });
}

/** Calls a CloudTrail operation: api('DescribeTrails', {...}). */
export function api(operation, body = {}, { signal, region } = {}) {
  const headers = {
    'Content-Type': 'application/x-amz-json-1.1',
    'X-Amz-Target': TARGET_PREFIX + operation,
    ...csrfHeaders(),
  };
  const r = region || getRegion();
  if (r) headers['X-Cairn-Region'] = r;
  return request('/console/api', { method: 'POST', headers, body: JSON.stringify(body), signal }).then((d) => d ?? {});
}
