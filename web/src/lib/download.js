// Files the gateway makes for a signed-in caller (the 申报书 PDF, spreadsheets and CSVs): fetched
// with the bearer token (a plain link would carry none) and saved under the name the server gives
// in Content-Disposition (filename*=UTF-8''…, RFC 5987), or `fallback`.
import { getToken } from '../auth.js';
import { ApiError } from '../api.js';

export function filenameOf(disposition, fallback) {
  const star = /filename\*=UTF-8''([^;]+)/i.exec(disposition || '');
  if (star) {
    try { return decodeURIComponent(star[1]); } catch { /* a malformed name: the plain one */ }
  }
  const plain = /filename="([^"]+)"/i.exec(disposition || '');
  return plain ? plain[1] : fallback;
}

// Saves the response of GET `path` as a file; resolves to its name and headers.
export async function downloadFile(path, fallback) {
  let res;
  try {
    res = await fetch(path, { headers: { Authorization: `Bearer ${getToken()}`, 'Accept-Language': 'zh-CN,zh;q=0.9' } });
  } catch {
    throw new ApiError(0, { title: 'network' });
  }
  if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => null));
  const name = filenameOf(res.headers.get('Content-Disposition'), fallback);
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
  return { name, headers: res.headers };
}
