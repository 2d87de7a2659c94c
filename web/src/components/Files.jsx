// Evidence files (佐证材料, CONTRACT §7): the list of a declaration's files, upload per item or for
// the whole declaration (drag and drop, a progress bar per file, retry), refusals said in Chinese
// before anything is sent where the limits are known, delete while editable, and a preview of PDFs
// and images for reviewers beside the claim they support.
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';
import { Button, Modal, Progress, Space, Tag, Typography, Popconfirm, Alert } from 'antd';
import { api, errorText, ApiError } from '../api.js';
import { getToken } from '../auth.js';
import { fmtTime } from '../labels.js';

export const LIMITS = { maxBytes: 20 * 1024 * 1024, maxCount: 200, maxTotal: 300 * 1024 * 1024, maxName: 200 };
const TYPES = {
  pdf: 'application/pdf', ofd: 'application/ofd', jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};
const TYPE_NAME = {
  'application/pdf': 'PDF', 'application/ofd': 'OFD', 'image/jpeg': 'JPEG 图片', 'image/png': 'PNG 图片',
  [TYPES.docx]: 'Word 文档', [TYPES.xlsx]: 'Excel 表格',
};
export const ACCEPT = Object.keys(TYPES).map((e) => `.${e}`).join(',');

export function sizeText(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

const extOf = (name) => (/\.([^.]+)$/.exec(name || '')?.[1] || '').toLowerCase();

// Why a file would be refused, before it is sent ('' when it may go).
export function precheck(file, { count, total }) {
  if (file.size === 0) return `“${file.name}”是空文件`;
  if (file.size > LIMITS.maxBytes) return `“${file.name}”有 ${sizeText(file.size)}，超过单个文件 20 MB 的上限`;
  if (!TYPES[extOf(file.name)]) return `“${file.name}”的类型不受支持：只能上传 PDF、OFD、JPG、PNG、DOCX、XLSX`;
  if ([...file.name].length > LIMITS.maxName) return `文件名超过 ${LIMITS.maxName} 个字符，请改短后再上传`;
  if (count + 1 > LIMITS.maxCount) return `每份申报最多 ${LIMITS.maxCount} 个文件`;
  if (total + file.size > LIMITS.maxTotal) return '每份申报的文件合计不能超过 300 MB';
  return '';
}

// POST the raw bytes with their UTF-8 name; progress as a fraction. Resolves {status, data}.
export function uploadFile(declId, item, file, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/v1/declarations/${declId}/files?item=${encodeURIComponent(item)}`);
    xhr.setRequestHeader('Authorization', `Bearer ${getToken()}`);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.setRequestHeader('Accept-Language', 'zh-CN,zh;q=0.9');
    xhr.setRequestHeader('Content-Type', file.type || TYPES[extOf(file.name)] || 'application/octet-stream');
    xhr.setRequestHeader('Content-Disposition', `attachment; filename*=UTF-8''${encodeURIComponent(file.name)}`);
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () => {
      let data = null;
      try { data = JSON.parse(xhr.responseText); } catch { data = null; }
      if (xhr.status >= 200 && xhr.status < 300) resolve({ status: xhr.status, data });
      else reject(new ApiError(xhr.status, data));
    };
    xhr.onerror = () => reject(new ApiError(0, { title: 'network' }));
    xhr.send(file);
  });
}

// The files of a declaration (the version the caller sees), grouped by item.
export function useFiles(declId, reloadKey) {
  const [state, setState] = useState({ items: null, error: '' });
  const current = useRef(declId); // a reload after an upload that created the declaration lists the new one's files
  current.current = declId;
  const load = useCallback(() => {
    const id = current.current;
    if (!id) { setState({ items: [], error: '' }); return; }
    api(`/v1/declarations/${id}/files`).then(({ data }) => current.current === id && setState({ items: data.items || [], error: '' }),
      (e) => current.current === id && setState({ items: [], error: errorText(e) }));
  }, []);
  useEffect(() => { load(); }, [load, declId, reloadKey]);
  const byItem = {};
  for (const f of state.items || []) (byItem[f.item] ||= []).push(f);
  const total = (state.items || []).reduce((n, f) => n + f.size, 0);
  return { ...state, byItem, total, count: (state.items || []).length, reload: load };
}

// The bytes of a file as an object URL (the download needs the bearer token, so no plain link).
async function fileBlob(file) {
  const res = await fetch(`/v1/files/${file.id}`, { headers: { Authorization: `Bearer ${getToken()}` } });
  if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => null));
  return URL.createObjectURL(await res.blob());
}

async function download(file) {
  const url = await fileBlob(file);
  const a = document.createElement('a');
  a.href = url; a.download = file.name;
  document.body.appendChild(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

const previewable = (f) => ['application/pdf', 'image/jpeg', 'image/png'].includes(f.media_type);

export function FilePreview({ file, onClose }) {
  const [url, setUrl] = useState('');
  const [err, setErr] = useState('');
  useEffect(() => {
    if (!file) return undefined;
    let u = '';
    fileBlob(file).then((x) => { u = x; setUrl(x); }, (e) => setErr(errorText(e)));
    return () => { if (u) URL.revokeObjectURL(u); setUrl(''); setErr(''); };
  }, [file]);
  return (
    <Modal open={!!file} onCancel={onClose} footer={null} width="min(960px, 96vw)" title={file?.name} destroyOnClose>
      <div data-testid="file-preview" data-ready={url ? 'yes' : 'no'}>
        {err && <Alert type="error" showIcon message={err} />}
        {!url && !err && <Typography.Text type="secondary" role="status">正在载入文件…</Typography.Text>}
        {url && file?.media_type === 'application/pdf' && <iframe title={file.name} src={url} style={{ width: '100%', height: '75vh', border: 0 }} />}
        {url && file?.media_type?.startsWith('image/') && <img alt={file.name} src={url} style={{ maxWidth: '100%' }} />}
      </div>
    </Modal>
  );
}

function FileChip({ file, editable, onDelete, onPreview }) {
  return (
    <div className="file-chip" data-testid={`file-${file.id}`}>
      <Button type="link" size="small" className="file-name" onClick={() => (previewable(file) && onPreview ? onPreview(file) : download(file))}
        title={`上传于 ${fmtTime(file.uploaded_at)}`}>{file.name}</Button>
      <Typography.Text type="secondary" className="file-meta">{TYPE_NAME[file.media_type] || file.media_type} · {sizeText(file.size)}</Typography.Text>
      {previewable(file) && onPreview && <Button size="small" type="text" onClick={() => download(file)} aria-label={`下载 ${file.name}`}>下载</Button>}
      {editable && (
        <Popconfirm title={`删除“${file.name}”？`} okText="删除" cancelText="取消" okButtonProps={{ danger: true, 'data-testid': 'file-delete-ok' }} onConfirm={() => onDelete(file)}>
          <Button size="small" type="text" danger data-testid={`file-delete-${file.id}`} aria-label={`删除 ${file.name}`}>删除</Button>
        </Popconfirm>
      )}
    </div>
  );
}

// The files of one item (or of the whole declaration: item "declaration"), with upload when editable.
// `files` is useFiles(); `declId` null means the declaration is not created yet.
export function ItemFiles({ declId, item, files, editable, label = '上传佐证文件', onPreview, ensureCreated }) {
  const [uploads, setUploads] = useState([]); // {key, file, progress, error}
  const [drag, setDrag] = useState(false);
  const input = useRef(null);
  const mine = files.byItem[item] || [];
  const set = (key, patch) => setUploads((u) => u.map((x) => (x.key === key ? { ...x, ...patch } : x)));
  const send = async (up) => {
    set(up.key, { error: '', progress: 0 });
    try {
      const id = declId || (ensureCreated && await ensureCreated());
      if (!id) throw new Error('请先填写申报名称并保存草稿，再上传文件');
      await uploadFile(id, item, up.file, (p) => set(up.key, { progress: p }));
      setUploads((u) => u.filter((x) => x.key !== up.key));
      files.reload();
    } catch (e) {
      set(up.key, { error: e instanceof ApiError ? errorText(e) : String(e.message || e), progress: null });
    }
  };
  const add = (list) => {
    let { count, total } = files;
    const next = [];
    for (const file of list) {
      const why = precheck(file, { count, total });
      const up = { key: `${Date.now()}-${Math.random()}`, file, progress: why ? null : 0, error: why, refused: !!why };
      if (!why) { count += 1; total += file.size; }
      next.push(up);
    }
    setUploads((u) => [...u, ...next]);
    next.filter((u) => !u.refused).forEach(send);
  };
  const del = async (file) => {
    try {
      await api(`/v1/declarations/${declId}/files/${file.id}`, { method: 'DELETE' });
      files.reload();
    } catch (e) {
      setUploads((u) => [...u, { key: `del-${file.id}`, file, progress: null, error: errorText(e), refused: true }]);
    }
  };
  if (!editable && !mine.length) return null;
  return (
    <div className={`item-files${drag ? ' dragging' : ''}`} data-testid={`files-${item}`}
      onDragOver={editable ? (e) => { e.preventDefault(); setDrag(true); } : undefined}
      onDragLeave={editable ? () => setDrag(false) : undefined}
      onDrop={editable ? (e) => { e.preventDefault(); setDrag(false); add([...e.dataTransfer.files]); } : undefined}>
      {mine.map((f) => <FileChip key={f.id} file={f} editable={editable} onDelete={del} onPreview={onPreview} />)}
      {uploads.map((u) => (
        <div key={u.key} className="file-upload" data-testid="file-upload">
          <span className="file-name">{u.file.name}</span>
          {u.progress !== null && <Progress percent={Math.round(u.progress * 100)} size="small" style={{ width: 140, margin: 0 }} />}
          {u.error && <Typography.Text type="danger" role="alert" data-testid="file-error">{u.error}</Typography.Text>}
          {u.error && !u.refused && <Button size="small" onClick={() => send(u)} data-testid="file-retry">重试</Button>}
          {u.error && <Button size="small" type="text" onClick={() => setUploads((x) => x.filter((y) => y.key !== u.key))}>关闭</Button>}
        </div>
      ))}
      {editable && (
        <Space size={4} wrap>
          <input ref={input} type="file" multiple accept={ACCEPT} style={{ display: "none" }} data-testid={`file-input-${item}`}
            onChange={(e) => { add([...e.target.files]); e.target.value = ''; }} />
          <Button size="small" onClick={() => input.current?.click()} data-testid={`file-add-${item}`}
            title="也可以把文件拖到这里；PDF、OFD、JPG、PNG、DOCX、XLSX，单个不超过 20 MB">{label}</Button>
        </Space>
      )}
    </div>
  );
}

// What the rows of a form need to show their files: {declId, files (useFiles), editable, onPreview,
// ensureCreated}. Provided by the edit and view pages; a row outside a provider shows none.
export const FilesContext = createContext(null);

export function ItemFilesSlot({ item }) {
  const ctx = useContext(FilesContext);
  if (!ctx) return null;
  return <ItemFiles item={item} {...ctx} />;
}

// The context value, kept the same object while nothing in it changes (rows stay memoised).
export function useFilesContext(declId, files, editable, onPreview, ensureCreated) {
  const { items } = files;
  return useMemo(() => (declId || ensureCreated ? { declId, files, editable, onPreview, ensureCreated } : null),
    [declId, items, editable, onPreview, ensureCreated]); // eslint-disable-line react-hooks/exhaustive-deps
}
