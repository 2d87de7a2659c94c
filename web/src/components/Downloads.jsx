// The buttons that download what the gateway makes: the 申报书 PDF of a declaration, and a list's
// spreadsheet (.xlsx) or CSV with the list's own filters (CONTRACT §9). The server decides what
// the caller may see; these only carry the token and the query.
import { useState } from 'react';
import { Button, Space, App } from 'antd';
import { errorText } from '../api.js';
import { downloadFile } from '../lib/download.js';

const grouped = (code) => (code || '').replace(/(.{4})(?=.)/g, '$1-');

export function DocumentButton({ decl, version }) {
  const { message } = App.useApp();
  const [busy, setBusy] = useState(false);
  if (!decl?.id) return null;
  const download = async () => {
    setBusy(true);
    try {
      const q = version ? `?version=${version}` : '';
      const { headers } = await downloadFile(`/v1/declarations/${decl.id}/document.pdf${q}`, `申报书-${decl.number}.pdf`);
      const code = headers.get('X-Verification-Code');
      message.success(code ? `申报书已下载，验证码 ${grouped(code)}` : '申报书已下载');
    } catch (e) {
      message.error(`下载申报书失败：${errorText(e)}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Button onClick={download} loading={busy} data-testid="download-document"
      title="下载可打印的申报书（PDF），每页带验证码与二维码，签字盖章后报送">
      下载申报书
    </Button>
  );
}

// `path` is the list's JSON path ("/v1/reviews/pending"), `query` its current query string ("?kind=…"
// or ""); the export is the same path with .xlsx or .csv and the same query, every page of it.
export function ExportButton({ path, query = '', name, testid = 'export' }) {
  const { message } = App.useApp();
  const [busy, setBusy] = useState(false);
  const run = async (ext) => {
    setBusy(true);
    try {
      const q = query && !query.startsWith('?') ? `?${query}` : query;
      const { name: saved } = await downloadFile(`${path}.${ext}${q}`, `${name}.${ext}`);
      message.success(`已导出：${saved}`);
    } catch (e) {
      message.error(`导出失败：${errorText(e)}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Space.Compact>
      <Button onClick={() => run('xlsx')} loading={busy} data-testid={testid}>导出 Excel</Button>
      <Button onClick={() => run('csv')} disabled={busy} data-testid={`${testid}-csv`} title="UTF-8 带 BOM，Excel 可直接打开">CSV</Button>
    </Space.Compact>
  );
}
