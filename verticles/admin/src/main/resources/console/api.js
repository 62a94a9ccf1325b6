// Calls to the management listener (this page's own origin: no CORS). With an admin key configured, every call
// carries the key kept in sessionStorage; a 401 anywhere shows the key prompt.
const KEY = 'recserve.admin-key';
const listeners = [];

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

export function adminKey() {
  return sessionStorage.getItem(KEY) || '';
}

export function setAdminKey(key) {
  if (key) sessionStorage.setItem(KEY, key);
  else sessionStorage.removeItem(KEY);
}

/** Called with the refusal's message whenever a route answers 401. */
export function onUnauthorized(listener) {
  listeners.push(listener);
}

export async function call(method, path, body) {
  const headers = { accept: 'application/json' };
  const key = adminKey();
  if (key) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
  } catch (e) {
    throw new ApiError(0, { message: 'the management listener cannot be reached' });
  }
  let json = null;
  const text = await response.text();
  if (text) {
    try {
      json = JSON.parse(text);
    } catch (e) {
      json = { message: text.slice(0, 200) };
    }
  }
  if (response.status === 401) listeners.forEach((l) => l(json && json.message));
  if (!response.ok) throw new ApiError(response.status, json);
  return json;
}

export const get = (path) => call('GET', path);
export const post = (path, body) => call('POST', path, body);
