import { useCallback, useEffect, useMemo, useState } from 'react';
import { Card, Descriptions, Space, Button, Alert, Spin, Table, Radio, Input, InputNumber, Select, Form, Popconfirm, Tag, Typography, App, Switch } from 'antd';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { api, errorText, fieldErrors } from '../api.js';
import { KIND, TIER, TIER_OF_STATE, DECISION, fmtTime } from '../labels.js';
import { useMorningStar, useIndustryBrain } from '../data.js';
import { StateTag } from '../components/DeclarationTable.jsx';
import { Stars, levelText, verdictOk, verdictComment } from '../components/MorningStarForm.jsx';
import { useIsPhone } from '../lib/media.js';
import { PanelCard, ExpertReviewCard } from '../components/ExpertPanel.jsx';
import { FilesContext, useFiles, useFilesContext, ItemFiles, ItemFilesSlot, FilePreview } from '../components/Files.jsx';
import { useItemNames } from '../lib/itemNames.js';
import { pointerLabel } from '../lib/pointers.js';
import { GRADE_OPTIONS } from '../components/IndustryBrainForm.jsx';
import { usePreview } from '../components/ScorePanel.jsx';
import History, { useHistory } from '../components/History.jsx';
import { RoundLink } from '../components/RoundBits.jsx';
import { canSeeRanking } from './rounds/RoundCity.jsx';
import { queueFilters, queueQuery, nextInQueue } from '../queue.js';
import { DocumentButton } from '../components/Downloads.jsx';

const TIERS = ['county', 'city', 'province'];

// Earlier tiers' verdicts per item: {county: {MS01: true}, city: {...}} (the latest verdict of each tier).
function verdictsByTier(verdicts, key) {
  const out = {};
  for (const v of [...(verdicts || [])].sort((a, b) => String(a.decided_at).localeCompare(String(b.decided_at)))) {
    out[v.tier] = { ...(out[v.tier] || {}), ...(v.verified?.[key] || {}) };
  }
  return out;
}

function mergeVerified(verdicts, key, mine) {
  const merged = {};
  for (const v of [...(verdicts || [])].sort((a, b) => String(a.decided_at).localeCompare(String(b.decided_at)))) {
    Object.assign(merged, v.verified?.[key] || {});
  }
  Object.assign(merged, mine);
  return Object.keys(merged).length ? { [key]: merged } : undefined;
}

const yesNo = (v) => (v === true ? <Tag color="green">通过</Tag> : v === false ? <Tag color="red">不通过</Tag> : <span aria-label="未核验">—</span>);
const metText = (v) => (v === true ? <Tag color="green">达标</Tag> : v === false ? <Tag>未达标</Tag> : <span aria-label="未填">—</span>);
// A value in a version difference: a claim, a piece of evidence, a contact.
function changeValue(v) {
  if (v === null || v === undefined || v === '') return <Typography.Text type="secondary">（无）</Typography.Text>;
  if (v === true) return '达标';
  if (v === false) return '未达标';
  if (typeof v === 'object') return [v.name, v.phone, v.email].filter(Boolean).join(' ');
  return String(v);
}
const ibValue = (v) => (!v ? '—' : v.grade ? `${v.grade} 档` : v.value !== undefined ? String(v.value) : '—');

// The reviewer's own verdict control for one item (通过 / 不通过 / 未核); a 不通过 may say why, and
// the applicant sees that comment beside the item after a return (CONTRACT §7).
function VerifyRadios({ id, mine, setMine }) {
  const v = mine[id];
  const ok = verdictOk(v);
  const set = (next) => { const n = { ...mine }; if (next === undefined) delete n[id]; else n[id] = next; setMine(n); };
  return (
    <div>
      <Radio.Group size="small" aria-label={`${id} 本级核验`} value={ok === true ? 'yes' : ok === false ? 'no' : ''}
        onChange={(e) => set(e.target.value === '' ? undefined : e.target.value === 'yes' ? true : false)}>
        <Radio value="yes" data-testid={`verify-${id}-yes`}>通过</Radio>
        <Radio value="no" data-testid={`verify-${id}-no`}>不通过</Radio>
        <Radio value="" data-testid={`verify-${id}-none`}>未核</Radio>
      </Radio.Group>
      {ok === false && (
        <Input size="small" style={{ marginTop: 4 }} placeholder="不通过的原因（选填，退回后企业可见）" maxLength={500}
          aria-label={`${id} 不通过的原因`} data-testid={`verify-comment-${id}`} value={verdictComment(v)}
          onChange={(e) => set(e.target.value.trim() ? { ok: false, comment: e.target.value } : false)} />
      )}
    </div>
  );
}

// On a phone a table of 72 rows cannot show the item, the claim and the evidence at once: one card
// per item instead, with everything the reviewer verifies against.
function ClaimCards({ rows, render }) {
  return <div className="claim-cards" data-testid="claims">{rows.map((r) => <div key={r.id} className="claim-card" data-testid={`claim-${r.id}`}>{render(r)}</div>)}</div>;
}

function MorningStarClaims({ decl, catalog, canDecide, mine, setMine, changed }) {
  const [onlyClaimed, setOnlyClaimed] = useState(false);
  const phone = useIsPhone();
  const criteria = decl.payload?.criteria || {};
  const byTier = verdictsByTier(decl.verdicts, 'criteria');
  const tiersWithVerdicts = TIERS.filter((t) => byTier[t] && Object.keys(byTier[t]).length);
  const rows = catalog.criteria.filter((c) => !onlyClaimed || criteria[c.id]?.met);
  const changedTag = (id) => changed?.has(id) && <Tag color="blue" data-testid={`changed-${id}`}>本次已修改</Tag>;
  const columns = [
    { title: '编号', dataIndex: 'id', width: 70, fixed: 'left' },
    { title: '条目', dataIndex: 'name', render: (v, c) => <span title={c.description}>{v} {changedTag(c.id)}<div className="desc" style={{ color: '#888', fontSize: 12 }}>{c.category} / {c.indicator}</div></span> },
    { title: '星标', dataIndex: 'levels', width: 240, render: (l) => <Stars levels={l} /> },
    { title: '企业自评', width: 90, render: (_, c) => metText(criteria[c.id] ? criteria[c.id].met === true : undefined) },
    { title: '佐证', width: 240, render: (_, c) => <>{criteria[c.id]?.evidence || ''}<ItemFilesSlot item={c.id} /></> },
    ...tiersWithVerdicts.map((t) => ({ title: `${TIER[t]}核验`, width: 110, render: (_, c) => <>{yesNo(verdictOk(byTier[t][c.id]))}
      {verdictComment(byTier[t][c.id]) && <div className="desc">{verdictComment(byTier[t][c.id])}</div>}</> })),
    ...(canDecide ? [{ title: '本级核验', width: 250, fixed: 'right', render: (_, c) => <VerifyRadios id={c.id} mine={mine} setMine={setMine} /> }] : []),
  ];
  return (
    <>
      <Space wrap style={{ marginBottom: 8 }}>
        <label><Switch size="small" checked={onlyClaimed} onChange={setOnlyClaimed} aria-label="只显示企业自评达标的条目" /> 只显示企业自评达标的条目</label>
        {canDecide && (
          <Button size="small" data-testid="verify-all-claimed" onClick={() => {
            const n = { ...mine };
            for (const [id, it] of Object.entries(criteria)) if (it.met) n[id] = true;
            setMine(n);
          }}>将企业自评达标项全部标为核验通过</Button>
        )}
      </Space>
      {phone ? (
        <ClaimCards rows={rows} render={(c) => (
          <>
            <div><b>{c.id}</b> {c.name} {changedTag(c.id)}</div>
            <div className="desc">{c.category} / {c.indicator}</div>
            <Stars levels={c.levels} />
            <div className="claim-line"><span className="claim-label">企业自评</span>{metText(criteria[c.id] ? criteria[c.id].met === true : undefined)}</div>
            <div className="claim-line"><span className="claim-label">佐证</span><span data-testid={`claim-evidence-${c.id}`}>{criteria[c.id]?.evidence || '（未填写）'}<ItemFilesSlot item={c.id} /></span></div>
            {tiersWithVerdicts.map((t) => <div key={t} className="claim-line"><span className="claim-label">{TIER[t]}核验</span>{yesNo(verdictOk(byTier[t][c.id]))}</div>)}
            {canDecide && <div className="claim-line"><span className="claim-label">本级核验</span><VerifyRadios id={c.id} mine={mine} setMine={setMine} /></div>}
          </>
        )} />
      ) : (
        <Table rowKey="id" size="small" columns={columns} dataSource={rows} pagination={false} scroll={{ x: 1000, y: 520 }} data-testid="claims" />
      )}
    </>
  );
}

function IndustryBrainClaims({ decl, catalog, canDecide, mine, setMine, score, changed }) {
  const phone = useIsPhone();
  const inds = decl.payload?.indicators || {};
  const byTier = verdictsByTier(decl.verdicts, 'indicators');
  const tiersWithVerdicts = TIERS.filter((t) => byTier[t] && Object.keys(byTier[t]).length);
  const dimName = Object.fromEntries(catalog.dimensions.map((d) => [d.id, d.name]));
  const changedTag = (id) => changed?.has(id) && <Tag color="blue" data-testid={`changed-${id}`}>本次已修改</Tag>;
  const control = (i) => {
    const set = (v) => { const n = { ...mine }; if (v === undefined || v === null || v === '') delete n[i.id]; else n[i.id] = v; setMine(n); };
    return i.unit ? (
      <InputNumber size="small" aria-label={`${i.id} 核定值`} min={0} style={{ width: '100%' }} addonAfter={i.unit}
        value={mine[i.id]?.value ?? null} onChange={(v) => set(v === null ? undefined : { value: v })} />
    ) : (
      <Select size="small" aria-label={`${i.id} 核定档次`} allowClear style={{ width: '100%' }} value={mine[i.id]?.grade}
        onChange={(g) => set(g ? { grade: g } : undefined)} options={GRADE_OPTIONS.map((g) => ({ value: g, label: `${g} 档` }))} />
    );
  };
  const points = (i) => (score?.indicators?.[i.id] ? `${score.indicators[i.id].points}/${score.indicators[i.id].max}` : '');
  if (phone) {
    return (
      <ClaimCards rows={catalog.indicators} render={(i) => (
        <>
          <div><b>{i.id}</b> {i.name} {changedTag(i.id)}</div>
          <div className="desc">{dimName[i.dimension]}{i.unit ? ` · ${i.unit}` : ' · A–D 档'}</div>
          <div className="claim-line"><span className="claim-label">企业填报</span>{ibValue(inds[i.id])}</div>
          <div className="claim-line"><span className="claim-label">佐证</span><span>{inds[i.id]?.evidence || '（未填写）'}<ItemFilesSlot item={i.id} /></span></div>
          {tiersWithVerdicts.map((t) => <div key={t} className="claim-line"><span className="claim-label">{TIER[t]}核定</span>{ibValue(byTier[t][i.id])}</div>)}
          {canDecide && <div className="claim-line"><span className="claim-label">本级核定</span><div style={{ flex: 1 }}>{control(i)}</div></div>}
          <div className="claim-line"><span className="claim-label">得分</span>{points(i)}</div>
        </>
      )} />
    );
  }
  const columns = [
    { title: '编号', dataIndex: 'id', width: 70, fixed: 'left' },
    { title: '指标', dataIndex: 'name', render: (v, i) => <span title={i.description}>{v} {changedTag(i.id)}<div style={{ color: '#888', fontSize: 12 }}>{dimName[i.dimension]}{i.unit ? ` · ${i.unit}` : ' · A–D 档'}</div></span> },
    { title: '企业填报', width: 110, render: (_, i) => ibValue(inds[i.id]) },
    { title: '佐证', width: 220, render: (_, i) => <>{inds[i.id]?.evidence || ''}<ItemFilesSlot item={i.id} /></> },
    ...tiersWithVerdicts.map((t) => ({ title: `${TIER[t]}核定`, width: 90, render: (_, i) => ibValue(byTier[t][i.id]) })),
    ...(canDecide ? [{ title: '本级核定（留空为认可）', width: 190, fixed: 'right', render: (_, i) => control(i) }] : []),
    { title: '得分', width: 90, render: (_, i) => points(i) },
  ];
  return <Table rowKey="id" size="small" columns={columns} dataSource={catalog.indicators} pagination={false} scroll={{ x: 1000, y: 520 }} data-testid="claims" />;
}

const DECISION_HELP = {
  publicity: [
    ['维持通过', '公示期间未发现问题，或异议经核查不成立：维持认定结果，公示期满后自动认定。'],
    ['退回修改', '异议或核查发现的问题可以由企业补正：退回企业修改，修改后重新提交省级审核。'],
    ['不予通过', '异议成立或发现严重问题：终止本次申报，企业将收到理由。'],
  ],
  other: [
    ['通过', '材料与核验结果符合要求：报上一级审核（省级通过后进入公示）。'],
    ['退回修改', '需要企业补充或更正：写明需修改之处，企业修改后重新提交到本级。'],
    ['不予通过', '不符合申报条件：终止本次申报，须写明理由。'],
  ],
};

function DecisionPanel({ decl, etag, verified, onDone }) {
  const { message } = App.useApp();
  const [comment, setComment] = useState('');
  const [errors, setErrors] = useState({});
  const [general, setGeneral] = useState('');
  const [busy, setBusy] = useState('');
  const [confirmReject, setConfirmReject] = useState(false);
  const needsComment = (decision) => {
    if ((decision === 'return' || decision === 'reject') && !comment.trim()) {
      setErrors({ '/comment': decision === 'return' ? '退回修改必须填写审核意见，说明需要补充或修改的内容' : '不予通过须填写理由' });
      document.getElementById('decision-comment')?.focus();
      return true;
    }
    return false;
  };
  const decide = async (decision) => {
    setErrors({}); setGeneral('');
    if (needsComment(decision)) return;
    setBusy(decision);
    try {
      await api(`/v1/declarations/${decl.id}/decisions`, {
        method: 'POST', etag, body: { decision, comment: comment.trim(), ...(verified ? { verified } : {}) },
      });
      message.success(`已${DECISION[decision]}`);
      setComment('');
      onDone();
    } catch (e) {
      const fe = fieldErrors(e);
      setErrors(fe);
      setGeneral(errorText(e));
    } finally { setBusy(''); }
  };
  const help = DECISION_HELP[decl.state === 'publicity' ? 'publicity' : 'other'];
  return (
    <Card title={decl.state === 'publicity' ? '公示期处理' : `${TIER[TIER_OF_STATE[decl.state]]}审核意见`} data-testid="decision-panel">
      {general && <Alert type="error" showIcon role="alert" data-testid="decision-error" message={general} style={{ marginBottom: 12 }}
        description={Object.entries(errors).filter(([p]) => p !== '/comment').map(([p, m]) => `${p}：${m}`).join('；') || undefined} />}
      <ul className="decision-help" data-testid="decision-help">
        {help.map(([b, t]) => <li key={b}><b>{b}</b>：{t}</li>)}
      </ul>
      <Form layout="vertical" component="div">
        <Form.Item label="审核意见" htmlFor="decision-comment" validateStatus={errors['/comment'] ? 'error' : ''} help={errors['/comment'] || '退回修改、不予通过时必填'}>
          <Input.TextArea id="decision-comment" data-testid="decision-comment" rows={3} maxLength={2000} showCount value={comment} onChange={(e) => setComment(e.target.value)} />
        </Form.Item>
      </Form>
      <Space wrap>
        <Button type="primary" data-testid="decide-approve" loading={busy === 'approve'} disabled={!!busy} onClick={() => decide('approve')}>
          {decl.state === 'province_review' ? '通过，进入公示' : decl.state === 'publicity' ? '维持通过' : '通过，报上一级'}
        </Button>
        <Button data-testid="decide-return" loading={busy === 'return'} disabled={!!busy} onClick={() => decide('return')}>退回修改</Button>
        <Popconfirm open={confirmReject} onOpenChange={(o) => { if (!o) setConfirmReject(false); }}
          title="确定不予通过？申报将就此终止，不可撤销。" okText="确定不予通过" cancelText="取消"
          okButtonProps={{ danger: true, 'data-testid': 'reject-ok' }}
          onConfirm={() => { setConfirmReject(false); decide('reject'); }} onCancel={() => setConfirmReject(false)}>
          <Button danger data-testid="decide-reject" loading={busy === 'reject'} disabled={!!busy}
            onClick={() => { setErrors({}); if (!needsComment('reject')) setConfirmReject(true); }}>不予通过</Button>
        </Popconfirm>
      </Space>
    </Card>
  );
}

export default function DeclarationView({ session }) {
  const { id } = useParams();
  const nav = useNavigate();
  const { message, modal } = App.useApp();
  const [decl, setDecl] = useState(null);
  const [etag, setEtag] = useState(null);
  const [error, setError] = useState('');
  const [changes, setChanges] = useState(null);
  const [previewFile, setPreviewFile] = useState(null);
  const [actionError, setActionError] = useState('');
  const [reloadKey, setReloadKey] = useState(0);
  const [mine, setMine] = useState({});
  const ms = useMorningStar();
  const ib = useIndustryBrain();
  const history = useHistory(id, reloadKey);
  const [sp] = useSearchParams();
  const qs = queueQuery(queueFilters(sp));
  const [decided, setDecided] = useState(false);
  const [nexting, setNexting] = useState(false);
  useEffect(() => { setDecided(false); setMine({}); }, [id]);
  const openNext = async () => {
    setNexting(true);
    try {
      const next = await nextInQueue(queueFilters(sp), id);
      if (next) nav(`/d/${next}${qs}`);
      else { message.info('待审队列中已没有其他申报'); nav(`/pending${qs}`); }
    } catch (e) { setActionError(errorText(e)); } finally { setNexting(false); }
  };

  const load = useCallback(() => {
    api(`/v1/declarations/${id}`).then(({ data, etag: t }) => { setDecl(data); setEtag(t); setError(''); }, (e) => setError(errorText(e)));
  }, [id]);
  useEffect(() => { load(); }, [load, reloadKey]);
  // What changed since the version that was returned (a resubmission), item by item.
  useEffect(() => {
    if (!decl || decl.state === 'draft') { setChanges(null); return; }
    api(`/v1/declarations/${decl.id}/diff`).then(({ data }) => setChanges(data), () => setChanges(null));
  }, [decl?.id, decl?.version]); // eslint-disable-line react-hooks/exhaustive-deps
  const files = useFiles(id, reloadKey);
  const filesCtx = useFilesContext(id, files, false, setPreviewFile, null);
  const changedItems = useMemo(() => new Set((changes?.changes || []).map((c) => c.item).filter(Boolean)), [changes]);
  const names = useItemNames();

  const key = decl?.kind === 'industry_brain' ? 'indicators' : 'criteria';
  const verifiedMine = Object.keys(mine).length ? { [key]: mine } : undefined;
  const mergedVerified = useMemo(() => (decl ? mergeVerified(decl.verdicts, key, mine) : undefined), [decl, key, mine]);
  const preview = usePreview(decl?.kind || 'morning_star', decl?.payload || {}, mergedVerified);

  if (error) return <Alert type="error" showIcon message={error} action={<Button onClick={load}>重试</Button>} />;
  if (!decl) return <Spin tip="加载中" />;

  const owner = session.role === 'applicant';
  const canDecide = session.role === 'reviewer' && TIER_OF_STATE[decl.state] === session.tier;
  const lastReturn = history.items ? [...history.items].reverse().find((e) => e.action === 'return') : null;
  const score = decl.score;
  const refresh = () => { setMine({}); setReloadKey((k) => k + 1); };

  const ownerAction = async (what) => {
    setActionError('');
    try {
      await api(`/v1/declarations/${decl.id}/${what}`, { method: 'POST', etag });
      message.success(what === 'submit' ? '已提交审核' : '已撤回');
      refresh();
    } catch (e) { setActionError(errorText(e)); }
  };
  const confirmSubmit = () => {
    const claimed = decl.payload?.claimed_level;
    const reached = score?.self_assessed_level ?? 0;
    const over = decl.kind === 'morning_star' && claimed && claimed > reached;
    modal.confirm({
      title: over ? '申报等级高于自评等级，仍要提交吗？' : '确认提交审核？',
      content: <div data-testid="submit-confirm">
        {decl.kind === 'morning_star' && <p>申报等级：{levelText(claimed)}；自评已达：{levelText(reached)}。</p>}
        {over && <p>审核将按核验结果认定等级，可能不予通过。</p>}
        <p>{decl.state === 'returned' ? '重新提交后将回到退回您的审核层级。' : '提交后进入县级审核，审核期间不能修改。'}</p>
      </div>,
      okText: over ? '仍然提交' : '确认提交', cancelText: '取消', okButtonProps: { danger: !!over, 'data-testid': 'submit-confirm-ok' },
      onOk: () => ownerAction('submit'),
    });
  };
  const deleteDraft = async () => {
    setActionError('');
    try {
      await api(`/v1/declarations/${decl.id}`, { method: 'DELETE', etag });
      message.success('草稿已删除');
      nav('/mine', { replace: true });
    } catch (e) { setActionError(errorText(e)); }
  };

  return (
    <Space direction="vertical" style={{ width: '100%' }} size="middle">
      <Card title={<h2 style={{ margin: 0, fontSize: 18 }}>{KIND[decl.kind]}申报 · {decl.number}</h2>}
        extra={<Space wrap>
          {session.role === 'reviewer' && <Link to={`/pending${qs}`} data-testid="back-to-queue">待审队列</Link>}
          <Button onClick={refresh} data-testid="reload">刷新</Button>
          <DocumentButton decl={decl} />
          <Button onClick={() => window.print()} data-testid="print-page" className="no-print">打印本页</Button>
          <Link to={`/d/${decl.id}/history`} data-testid="open-history">审计记录</Link>
        </Space>}>
        {actionError && <Alert type="error" showIcon role="alert" message={actionError} style={{ marginBottom: 12 }} />}
        {decl.publicity_hold && (
          <Alert type="warning" showIcon style={{ marginBottom: 12 }} data-testid="publicity-hold"
            message="公示期满后暂不认定" description={decl.publicity_hold.message} />
        )}
        {decl.state === 'returned' && lastReturn && (
          <Alert type="warning" showIcon style={{ marginBottom: 12 }} data-testid="return-comment"
            message={`${TIER[lastReturn.actor?.tier] || ''}审核员退回修改（${fmtTime(lastReturn.at)}）`} description={lastReturn.comment} />
        )}
        <Descriptions size="small" bordered column={{ xs: 1, sm: 1, md: 2, lg: 3 }} items={[
          { key: 's', label: '状态', children: <span data-testid="decl-state" data-state={decl.state}><StateTag state={decl.state} /></span> },
          { key: 't', label: '申报名称', children: decl.title },
          { key: 'rd', label: '申报批次', children: <RoundLink id={decl.round} /> },
          ...(decl.org_name ? [{ key: 'on', label: '企业名称', children: decl.org_name }] : []),
          { key: 'o', label: '统一社会信用代码', children: decl.org },
          { key: 'r', label: '所属地区', children: `${decl.city_name || ''}${decl.region_name || decl.region}` },
          { key: 'c', label: '联系人', children: `${decl.contact?.name || ''} ${decl.contact?.phone || ''} ${decl.contact?.email || ''}` },
          { key: 'u', label: '更新时间', children: fmtTime(decl.updated_at) },
          ...(decl.publicity_ends_at ? [{ key: 'p', label: '公示截止', children: fmtTime(decl.publicity_ends_at) }] : []),
          ...(decl.recommendation_rank ? [{ key: 'rk', label: '推荐排名', children: <span data-testid="decl-rank">
            {decl.round && decl.city && canSeeRanking(session, decl.city)
              ? <Link to={`/rounds/${decl.round}/cities/${decl.city}`}>{`${decl.city_name || ''}第 ${decl.recommendation_rank} 名`}</Link>
              : `第 ${decl.recommendation_rank} 名`}</span> }] : []),
          ...(decl.valid_until ? [{ key: 'vu', label: '有效期至', children: <span data-testid="decl-valid-until">{decl.valid_until}</span> }] : []),
          ...(decl.kind === 'morning_star' ? [
            { key: 'cl', label: '申报等级', children: levelText(decl.payload?.claimed_level) },
            { key: 'sl', label: '自评等级', children: <span data-testid="self-level">{score ? levelText(score.self_assessed_level) : '计算中'}</span> },
            { key: 'vl', label: '核验等级', children: <span data-testid="saved-verified-level">{score?.verified_level === null || score?.verified_level === undefined ? '尚未核验' : levelText(score.verified_level)}</span> },
          ] : [
            { key: 'cn', label: '产业集群', children: decl.payload?.cluster_name || '' },
            { key: 'st', label: '自评总分', children: score ? (score.self_assessed_total ?? score.total) : '计算中' },
            { key: 'vt', label: '核定总分', children: score?.verified_total ?? '尚未核定' },
          ]),
        ]} />
        {owner && (
          <Space wrap style={{ marginTop: 12 }}>
            {(decl.state === 'draft' || decl.state === 'returned') && <Button type="primary" data-testid="edit" onClick={() => nav(`/d/${decl.id}/edit`)}>{decl.state === 'returned' ? '修改申报' : '编辑'}</Button>}
            {(decl.state === 'draft' || decl.state === 'returned') && <Button data-testid="submit-now" onClick={confirmSubmit}>提交审核</Button>}
            {decl.state === 'draft' && (
              <Popconfirm title="删除这份草稿？删除后无法恢复。" okText="删除" okButtonProps={{ danger: true, 'data-testid': 'delete-ok' }} cancelText="取消" onConfirm={deleteDraft}>
                <Button danger type="text" data-testid="delete-draft">删除草稿</Button>
              </Popconfirm>
            )}
            {['draft', 'returned', 'county_review'].includes(decl.state) && (
              <Popconfirm title={<span data-testid="withdraw-confirm">确定撤回该申报？<br />撤回是最终的：该申报将终止，不能再修改或提交；如仍要申报，需新建一份。</span>} okText="确定撤回" okButtonProps={{ danger: true }} cancelText="取消" onConfirm={() => ownerAction('withdraw')}>
                <Button danger data-testid="withdraw">撤回申报</Button>
              </Popconfirm>
            )}
          </Space>
        )}
      </Card>

      {changes?.changes?.length > 0 && (
        <Card title={`本次修改：与退回时的版本相比 ${changes.changes.length} 处`} data-testid="version-diff" size="small">
          <Table size="small" rowKey={(c) => `${c.pointer}/${c.field}`} pagination={false} dataSource={changes.changes} scroll={{ x: 560 }}
            columns={[
              { title: '内容', render: (_, c) => pointerLabel(c.item ? `${c.pointer}/${c.field}` : c.pointer, names) },
              { title: '修改前', render: (_, c) => changeValue(c.before) },
              { title: '修改后', render: (_, c) => changeValue(c.after) },
            ]} />
        </Card>
      )}

      {files.count > 0 && (files.byItem.declaration || []).length > 0 && (
        <Card title="申报材料" size="small" data-testid="declaration-files">
          <ItemFiles item="declaration" {...filesCtx} />
        </Card>
      )}
      <FilePreview file={previewFile} onClose={() => setPreviewFile(null)} />

      <Card title={decl.kind === 'morning_star' ? '企业申报内容与各级核验' : '企业填报数据与各级核定'}>
          {canDecide && (<div className="score-bar" style={{ marginBottom: 12 }}>
          <Alert type="info" showIcon message={decl.kind === 'morning_star'
            ? <span aria-live="polite">企业自评：<b>{levelText(preview.score?.self_assessed_level ?? score?.self_assessed_level)}</b>　核验后等级（含前序各级与本级核验）：<b data-testid="verified-level" data-level={preview.score?.verified_level ?? ''}>{preview.score ? levelText(preview.score.verified_level) : '计算中'}</b></span>
            : <span aria-live="polite">自评总分：<b>{preview.score?.self_assessed_total ?? preview.score?.total}</b>　核定后总分：<b data-testid="verified-total">{preview.score?.verified_total ?? preview.score?.total ?? '计算中'}</b></span>}
            description={decl.kind === 'morning_star' && decl.state === 'province_review' ? '省级通过要求核验后等级不低于一级：请至少核验全部一级星标条目。' : undefined} />
        </div>)}
        <FilesContext.Provider value={filesCtx}>
        {decl.kind === 'morning_star'
          ? (ms.data ? <MorningStarClaims decl={decl} catalog={ms.data} canDecide={canDecide} mine={mine} setMine={setMine} changed={changedItems} /> : <Spin />)
          : (ib.data ? <IndustryBrainClaims decl={decl} catalog={ib.data} canDecide={canDecide} mine={mine} setMine={setMine} score={preview.score} changed={changedItems} /> : <Spin />)}
        </FilesContext.Provider>
      </Card>

      {session.role === 'expert' && <ExpertReviewCard decl={decl} session={session} dimensions={ib.data && decl.kind === 'industry_brain' ? ib.data.dimensions : null} />}
      {(session.role === 'admin' || (session.role === 'reviewer' && session.tier === 'province'))
        && ['province_review', 'publicity', 'approved', 'returned', 'rejected'].includes(decl.state) && (
        <PanelCard decl={decl} canAssign={session.role === 'reviewer' && decl.state === 'province_review'} onChanged={refresh} />
      )}

      {canDecide && <DecisionPanel decl={decl} etag={etag} verified={verifiedMine} onDone={() => { setDecided(true); refresh(); }} />}
      {decided && session.role === 'reviewer' && !canDecide && (
        <Alert type="success" showIcon data-testid="decided" message="本件已办理"
          action={<Space wrap>
            <Button type="primary" onClick={openNext} loading={nexting} data-testid="next-in-queue">下一件</Button>
            <Link to={`/pending${qs}`}>返回待审队列</Link>
          </Space>} />
      )}

      <Card title="办理过程" extra={<Link to={`/d/${decl.id}/history`}>单独查看</Link>}>
        <History id={decl.id} reloadKey={reloadKey} />
      </Card>
    </Space>
  );
}
