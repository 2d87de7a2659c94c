import { useEffect, useMemo, useState } from 'react';
import { Card, Form, Input, InputNumber, Radio, Button, Space, Alert, Typography, App } from 'antd';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { api, errorText, fieldErrors } from '../../api.js';
import { KIND, TIER } from '../../labels.js';
import { useRegions } from '../../data.js';
import { useRound, toLocalInput, fromLocalInput } from '../../rounds.js';
import { RoundStateTag } from '../../components/RoundBits.jsx';
import Loading from '../../components/Loading.jsx';

const TIERS = ['county', 'city', 'province'];
const thisYear = () => new Date(Date.now() + 8 * 3600 * 1000).getUTCFullYear(); // the year in Beijing

function blank() {
  const y = thisYear();
  return {
    kind: 'morning_star', year: y, title: '',
    opens: '', closes: '',
    days: { county: 5, city: 10, province: 15 },
    publicity: 5, validity: 3, quotas: {},
  };
}

function fromRound(r) {
  return {
    kind: r.kind, year: r.year, title: r.title,
    opens: toLocalInput(r.opens_at), closes: toLocalInput(r.closes_at),
    days: { ...r.review_working_days }, publicity: r.publicity_working_days, validity: r.validity_years,
    quotas: { ...(r.quotas || {}) },
  };
}

const cleanQuotas = (q) => Object.fromEntries(Object.entries(q).filter(([, n]) => typeof n === 'number'));
const sameMap = (a, b) => JSON.stringify(Object.entries(a || {}).sort()) === JSON.stringify(Object.entries(b || {}).sort());

// The create body (POST /v1/rounds) from the form.
function createBody(f) {
  return {
    kind: f.kind, year: f.year, title: f.title.trim(),
    opens_at: fromLocalInput(f.opens), closes_at: fromLocalInput(f.closes),
    review_working_days: f.days, quotas: cleanQuotas(f.quotas),
    publicity_working_days: f.publicity, validity_years: f.validity,
  };
}

// The PATCH body: only the members that changed (the server replaces what it is given).
function patchBody(f, r) {
  const b = {};
  if (f.title.trim() !== r.title) b.title = f.title.trim();
  if (f.opens !== toLocalInput(r.opens_at)) b.opens_at = fromLocalInput(f.opens);
  if (f.closes !== toLocalInput(r.closes_at)) b.closes_at = fromLocalInput(f.closes);
  if (!sameMap(f.days, r.review_working_days)) b.review_working_days = f.days;
  if (!sameMap(cleanQuotas(f.quotas), r.quotas)) b.quotas = cleanQuotas(f.quotas);
  if (f.publicity !== r.publicity_working_days) b.publicity_working_days = f.publicity;
  if (f.validity !== r.validity_years) b.validity_years = f.validity;
  return b;
}

// Checks made before sending, under the pointers the server uses.
function localErrors(f) {
  const e = {};
  if (!f.title.trim()) e['/title'] = '请填写批次名称';
  if (!fromLocalInput(f.opens)) e['/opens_at'] = '请选择开始时间';
  if (!fromLocalInput(f.closes)) e['/closes_at'] = '请选择截止时间';
  else if (fromLocalInput(f.opens) && f.closes <= f.opens) e['/closes_at'] = '截止时间须晚于开始时间';
  for (const t of TIERS) if (typeof f.days[t] !== 'number') e[`/review_working_days/${t}`] = '请填写工作日数';
  if (typeof f.publicity !== 'number') e['/publicity_working_days'] = '请填写工作日数';
  if (typeof f.validity !== 'number') e['/validity_years'] = '请填写年数';
  return e;
}

// The admin's form for a new round (/rounds/new) or a change of one (/rounds/:id/edit, PATCH with If-Match).
export default function RoundForm() {
  const { id } = useParams();
  const editing = !!id;
  const nav = useNavigate();
  const { message } = App.useApp();
  const { round, etag, error: loadError, reload } = useRound(id);
  const { data: regions } = useRegions();
  const [f, setF] = useState(blank);
  const [errors, setErrors] = useState({});
  const [general, setGeneral] = useState('');
  const [stale, setStale] = useState(false);
  const [busy, setBusy] = useState(false);
  const [all, setAll] = useState(null);

  useEffect(() => { if (round) setF(fromRound(round)); }, [round]);

  // Pointers that some field below shows; the rest go into the alert at the top.
  const placed = useMemo(() => new Set(['/kind', '/year', '/title', '/opens_at', '/closes_at', '/publicity_working_days', '/validity_years',
    '/review_working_days', ...TIERS.map((t) => `/review_working_days/${t}`), '/quotas',
    ...(regions?.cities || []).map((c) => `/quotas/${c.code}`)]), [regions]);

  if (editing && loadError) return <Alert type="error" showIcon message={loadError} action={<Button onClick={reload}>重试</Button>} />;
  if (editing && !round) return <Loading />;

  const set = (patch) => setF((o) => ({ ...o, ...patch }));
  const err = (p) => errors[p];
  const status = (p) => (errors[p] ? 'error' : '');
  const used = round?.counts?.cities || {};
  const unplaced = Object.entries(errors).filter(([p]) => !placed.has(p));

  const onSave = async () => {
    setGeneral(''); setStale(false);
    const local = localErrors(f);
    setErrors(local);
    if (Object.keys(local).length) { setGeneral(`请检查标红的字段（共 ${Object.keys(local).length} 处）`); return; }
    setBusy(true);
    try {
      if (!editing) {
        const { data } = await api('/v1/rounds', { method: 'POST', body: createBody(f) });
        message.success('申报批次已创建');
        nav(`/rounds/${data.id}`);
        return;
      }
      const body = patchBody(f, round);
      if (!Object.keys(body).length) { message.info('没有修改'); nav(`/rounds/${round.id}`); return; }
      await api(`/v1/rounds/${round.id}`, { method: 'PATCH', etag, body });
      message.success('已保存');
      nav(`/rounds/${round.id}`);
    } catch (e) {
      if (e.status === 412) {
        setStale(true);
      } else {
        const fe = fieldErrors(e);
        setErrors(fe);
        const n = Object.keys(fe).length;
        setGeneral(n ? `${errorText(e)}（共 ${n} 处，见标红的字段）` : errorText(e));
      }
      window.scrollTo({ top: 0, behavior: 'smooth' });
    } finally { setBusy(false); }
  };

  const cities = regions?.cities || [];
  return (
    <Card title={<h2 style={{ margin: 0, fontSize: 18 }}>{editing ? `编辑申报批次 · ${round.title}` : '新建申报批次'}</h2>}
      extra={editing && <Space><RoundStateTag state={round.state} /><Link to={`/rounds/${round.id}`}>查看批次</Link></Space>}>
      {stale && (
        <Alert type="warning" showIcon role="alert" data-testid="round-stale" style={{ marginBottom: 12 }}
          message="已被他人修改，请刷新" description="该批次在您打开后已被修改。刷新将载入最新内容，您在本页的修改需重新填写。"
          action={<Button data-testid="round-refresh" onClick={() => { setStale(false); setErrors({}); setGeneral(''); reload(); }}>刷新</Button>} />
      )}
      {general && (
        <Alert type="error" showIcon role="alert" data-testid="round-error" style={{ marginBottom: 12 }} message={general}
          description={unplaced.length ? unplaced.map(([p, m]) => <div key={p}>{m}</div>) : undefined} />
      )}
      <Form layout="vertical" component="div" className="round-form">
        <Space wrap align="start" size="middle">
          <Form.Item label="申报类型" required validateStatus={status('/kind')} help={err('/kind') || (editing ? '创建后不可更改' : undefined)}>
            <Radio.Group aria-label="申报类型" value={f.kind} disabled={editing} buttonStyle="solid" onChange={(e) => set({ kind: e.target.value })}>
              {Object.entries(KIND).map(([k, label]) => <Radio.Button key={k} value={k} data-testid={`round-kind-${k}`}>{label}</Radio.Button>)}
            </Radio.Group>
          </Form.Item>
          <Form.Item label="年度" htmlFor="round-year" required validateStatus={status('/year')} help={err('/year')}>
            <InputNumber id="round-year" data-testid="round-year" min={2020} max={2100} value={f.year} disabled={editing}
              onChange={(v) => set({ year: v ?? undefined })} />
          </Form.Item>
        </Space>
        <Form.Item label="批次名称" htmlFor="round-title" required validateStatus={status('/title')} help={err('/title')}>
          <Input id="round-title" data-testid="round-title-input" value={f.title} maxLength={200}
            placeholder={`如 ${f.year || thisYear()}年度${KIND[f.kind]}申报`} onChange={(e) => set({ title: e.target.value })} />
        </Form.Item>
        <Space wrap align="start" size="middle">
          <Form.Item label="开始时间（北京时间）" htmlFor="round-opens" required validateStatus={status('/opens_at')} help={err('/opens_at')}>
            <Input id="round-opens" data-testid="round-opens" type="datetime-local" value={f.opens} onChange={(e) => set({ opens: e.target.value })} />
          </Form.Item>
          <Form.Item label="截止时间（北京时间）" htmlFor="round-closes" required validateStatus={status('/closes_at')}
            help={err('/closes_at') || '截止时刻起不再接受新的申报和首次提交'}>
            <Input id="round-closes" data-testid="round-closes" type="datetime-local" value={f.closes} onChange={(e) => set({ closes: e.target.value })} />
          </Form.Item>
        </Space>
        <Typography.Title level={5} style={{ marginTop: 0 }}>办理时限（工作日）</Typography.Title>
        <Space wrap align="start" size="middle">
          {TIERS.map((t) => {
            const p = `/review_working_days/${t}`;
            return (
              <Form.Item key={t} label={`${TIER[t]}审核`} htmlFor={`round-days-${t}`} required validateStatus={status(p) || status('/review_working_days')}
                help={err(p) || err('/review_working_days')}>
                <InputNumber id={`round-days-${t}`} data-testid={`round-days-${t}`} min={1} max={60} precision={0} addonAfter="个工作日" value={f.days[t]}
                  onChange={(v) => set({ days: { ...f.days, [t]: v ?? undefined } })} />
              </Form.Item>
            );
          })}
          <Form.Item label="公示期" htmlFor="round-publicity" required validateStatus={status('/publicity_working_days')} help={err('/publicity_working_days')}>
            <InputNumber id="round-publicity" data-testid="round-publicity" min={1} max={60} precision={0} addonAfter="个工作日" value={f.publicity}
              onChange={(v) => set({ publicity: v ?? undefined })} />
          </Form.Item>
          <Form.Item label="认定有效期" htmlFor="round-validity" required validateStatus={status('/validity_years')} help={err('/validity_years')}>
            <InputNumber id="round-validity" data-testid="round-validity" min={1} max={10} precision={0} addonAfter="年" value={f.validity}
              onChange={(v) => set({ validity: v ?? undefined })} />
          </Form.Item>
        </Space>
        <Typography.Title level={5} style={{ marginTop: 0 }}>各设区市推荐名额</Typography.Title>
        <Typography.Paragraph type="secondary">
          设区市审核通过即为推荐，推荐数不得超过名额；留空表示该市不设名额。{editing ? '名额不能低于该市已推荐的数量。' : ''}
        </Typography.Paragraph>
        {err('/quotas') && <Alert type="error" showIcon message={err('/quotas')} style={{ marginBottom: 8 }} />}
        <Space wrap style={{ marginBottom: 12 }}>
          <InputNumber aria-label="统一设置的名额" data-testid="quota-all" min={0} max={1000} precision={0} value={all} onChange={setAll} placeholder="名额" />
          <Button data-testid="quota-all-apply" disabled={typeof all !== 'number'}
            onClick={() => set({ quotas: Object.fromEntries(cities.map((c) => [c.code, all])) })}>全部设为此数</Button>
          <Button onClick={() => set({ quotas: {} })}>全部清空</Button>
        </Space>
        {!regions && <Loading text="正在加载设区市…" />}
        <div className="quota-grid" data-testid="quota-grid">
          {cities.map((c) => {
            const p = `/quotas/${c.code}`;
            const u = used[c.code]?.recommended;
            return (
              <Form.Item key={c.code} label={c.name} htmlFor={`quota-${c.code}`} validateStatus={status(p)}
                help={err(p) || (u !== undefined ? `已推荐 ${u}` : undefined)} style={{ marginBottom: 8 }}>
                <InputNumber id={`quota-${c.code}`} data-testid={`quota-${c.code}`} min={0} max={1000} precision={0} style={{ width: '100%' }}
                  value={f.quotas[c.code] ?? null} placeholder="不设"
                  onChange={(v) => set({ quotas: { ...f.quotas, [c.code]: v ?? undefined } })} />
              </Form.Item>
            );
          })}
        </div>
      </Form>
      <Space wrap style={{ marginTop: 16 }}>
        <Button type="primary" onClick={onSave} loading={busy} data-testid="round-save">{editing ? '保存修改' : '创建批次'}</Button>
        <Button onClick={() => nav(editing ? `/rounds/${round.id}` : '/rounds')}>取消</Button>
      </Space>
    </Card>
  );
}
