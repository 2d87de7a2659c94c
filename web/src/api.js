// Calls to the gateway under /v1, with the session's token, and problem+json turned into Chinese.
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
  const h = { Accept: 'application/json', ...headers };
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
  if (!res.ok) throw new ApiError(res.status, data);
  return { data, etag: res.headers.get('ETag'), status: res.status };
}

// One general sentence for a failed call.
export function errorText(err) {
  if (!(err instanceof ApiError)) return String(err?.message || err);
  switch (err.status) {
    case 0: return '无法连接服务器，请检查网络后重试';
    case 400: return '提交的内容有误，请按提示修改';
    case 401: return '登录已失效，请重新登录';
    case 403: return '您的角色无权进行此操作';
    case 404: return '未找到该记录，或您无权查看';
    case 409: return '该申报当前状态不允许此操作，请刷新后查看最新状态';
    case 412: return '该申报已被修改，请刷新后重试';
    case 413: return '提交的内容过大';
    case 422: return ruleText(err);
    case 428: return '缺少版本信息，请刷新后重试';
    case 503: return '服务暂不可用，请稍后重试';
    default: return err.status >= 500 ? '服务器内部错误，请稍后重试' : `请求失败（${err.status}）`;
  }
}

function ruleText(err) {
  const d = `${err.problem?.detail || ''} ${err.problem?.title || ''}`;
  if (/level/i.test(d)) return '核验后的等级为 0（未达到一级），不能通过省级审核；请先核验一级星标条目';
  if (/Idempotency/i.test(d)) return '重复的请求标识，请刷新后重试';
  return '该操作不符合评价规则';
}

// The server's English message for one field, in plain Chinese.
export function fieldMessage(message = '') {
  const m = String(message);
  const rules = [
    [/required at submission|is required|required property|missing/i, '提交前必须填写此项'],
    [/no fewer than 1 characters|at least 1|must not be empty|non-empty/i, '不能为空'],
    [/pattern|regex/i, '格式不正确'],
    [/more than \d+ characters|no more than|maxLength/i, '内容过长'],
    [/level from 1 to 5/i, '请选择 1–5 级'],
    [/grade A, B, C or D|one of A, B, C, D|graded A–D/i, '请选择 A–D 档'],
    [/number >= 0/i, '请输入不小于 0 的数值'],
    [/takes a number|a number is required|must be a number/i, '请输入数值'],
    [/true or false/i, '请选择是否达标'],
    [/county-level code/i, '请选择山东省内的县级行政区'],
    [/统一社会信用代码|check character/i, '统一社会信用代码无效（校验位不符）'],
    [/unknown criterion|unknown indicator/i, '未知的指标项'],
    [/less than or equal|greater than or equal|minimum|maximum/i, '数值超出允许范围'],
    [/cluster/i, '请填写产业集群名称'],
    [/comment/i, '请填写审核意见'],
  ];
  for (const [re, zh] of rules) if (re.test(m)) return zh;
  return m ? `内容不符合要求（${m}）` : '内容不符合要求';
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
