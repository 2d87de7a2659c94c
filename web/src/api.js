// Calls to the gateway under /v1, with the session's token, asking for Chinese messages.
import { getToken, signOut } from './auth.js';

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
    this.errors = Array.isArray(problem?.errors) ? problem.errors : [];
  }
}

export async function api(path, { method = 'GET', body, etag, headers = {}, auth = true } = {}) {
  const h = { Accept: 'application/json', 'Accept-Language': 'zh-CN,zh;q=0.9', ...headers };
  const token = getToken();
  if (auth && token) h.Authorization = `Bearer ${token}`;
  if (body !== undefined) h['Content-Type'] = 'application/json';
  if (etag) h['If-Match'] = etag;
  let res;
  try {
    res = await fetch(path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, { title: 'network' });
  }
  const text = await res.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (res.status === 401 && auth && token) {
    signOut('登录已失效，请重新登录');
  }
  if (!res.ok) {
    const err = new ApiError(res.status, data);
    err.retryAfter = res.headers.get('Retry-After'); // a 429's wait, in seconds
    throw err;
  }
  return { data, etag: res.headers.get('ETag'), status: res.status };
}

// One sentence for a failed call: the server's own title (and detail), in Chinese because every
// call asks for it (CONTRACT §3); a sentence of our own only when no problem came back.
export function errorText(err) {
  if (!(err instanceof ApiError)) return String(err?.message || err);
  const { title, detail } = err.problem || {};
  if (err.status !== 0 && title) return detail ? `${title}：${detail}` : title;
  switch (err.status) {
    case 0: return '无法连接服务器，请检查网络后重试';
    case 401: return '登录已失效，请重新登录';
    case 413: return '提交的内容过大';
    case 503: return '服务暂不可用，请稍后重试';
    default: return err.status >= 500 ? '服务器内部错误，请稍后重试' : `请求失败（${err.status}）`;
  }
}

// The server's message for one field, shown as it came (already in Chinese).
export function fieldMessage(message = '') {
  return String(message) || '内容不符合要求';
}

// errors[] as {pointer: chinese message}.
export function fieldErrors(err) {
  const out = {};
  if (err instanceof ApiError) {
    for (const e of err.errors) {
      const p = e.pointer ?? '';
      out[p] = out[p] ? `${out[p]}；${fieldMessage(e.message)}` : fieldMessage(e.message);
    }
  }
  return out;
}
