import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Card, Form, Input, Button, Space, Alert, Spin, Cascader, Typography, App, Popconfirm, Collapse } from 'antd';
import { useNavigate, useParams, Link } from 'react-router-dom';
import { api, errorText, fieldErrors, ApiError } from '../api.js';
import { getSession } from '../auth.js';
import { KIND, TIER, fmtTime } from '../labels.js';
import { useMorningStar, useIndustryBrain, useRegions, cityOfCounty, countyOptions } from '../data.js';
import MorningStarForm, { cleanMorningStar, levelText, verdictOk } from '../components/MorningStarForm.jsx';
import IndustryBrainForm, { cleanIndustryBrain, localValueErrors } from '../components/IndustryBrainForm.jsx';
import { usePreview, MorningStarScore, IndustryBrainScore } from '../components/ScorePanel.jsx';
import { StateTag } from '../components/DeclarationTable.jsx';
import ErrorSummary from '../components/ErrorSummary.jsx';
import RoundPicker, { NoOpenRound, openRounds } from '../components/RoundPicker.jsx';
import { RoundStateTag } from '../components/RoundBits.jsx';
import { useRounds, roundWhen } from '../rounds.js';
import { draftKey, readDraft, writeDraft, dropDraft } from '../lib/localDraft.js';
import { useItemNames } from '../lib/itemNames.js';
import { pointerLabel } from '../lib/pointers.js';
import { submissionGaps } from '../lib/submitChecks.js';
import { FilesContext, useFiles, useFilesContext, ItemFiles } from '../components/Files.jsx';

const AUTOSAVE_MS = 8000; // a save to the server this long after the last change (each save is a version in the history)
const RETRY_MS = 15000; // and again this often while the server cannot be reached

// The county code inside a 统一社会信用代码 (characters 3–8), a sensible default region.
function regionFromOrg(org) {
  const m = /^..(\d{6})/.exec(org || '');
  return m && m[1].startsWith('37') && !m[1].endsWith('00') ? m[1] : '';
}

const emptyFields = (org) => ({
  title: '', orgName: '', contact: { name: '', phone: '', email: '' }, region: regionFromOrg(org), roundId: '',
  payload: { criteria: {}, indicators: {} },
});

const fieldsOf = (d) => ({
  title: d.title || '', orgName: d.org_name || '', contact: { name: '', phone: '', email: '', ...d.contact },
  region: d.region, roundId: d.round || '', payload: d.payload || {},
});

// The contact as sent: blank members left out (a draft may be incomplete).
function contactBody(c) {
  const out = {};
  for (const k of ['name', 'phone', 'email']) if (c[k] && c[k].trim()) out[k] = c[k].trim();
  return out;
}

// What differs between two sets of fields, as pointers: the conflict banner lists them.
function differences(a, b, kind) {
  const out = [];
  if (a.title.trim() !== b.title.trim()) out.push('/title');
  if (a.orgName.trim() !== b.orgName.trim()) out.push('/org_name');
  if (JSON.stringify(contactBody(a.contact)) !== JSON.stringify(contactBody(b.contact))) out.push('/contact');
  const clean = kind === 'morning_star' ? cleanMorningStar : cleanIndustryBrain;
  const pa = clean(a.payload); const pb = clean(b.payload);
  const key = kind === 'morning_star' ? 'criteria' : 'indicators';
  if (kind === 'morning_star' && pa.claimed_level !== pb.claimed_level) out.push('/payload/claimed_level');
  if (kind === 'industry_brain' && pa.cluster_name !== pb.cluster_name) out.push('/payload/cluster_name');
  const ids = new Set([...Object.keys(pa[key] || {}), ...Object.keys(pb[key] || {})]);
  for (const id of [...ids].sort()) {
    if (JSON.stringify(pa[key][id] || null) !== JSON.stringify(pb[key][id] || null)) out.push(`/payload/${key}/${id}`);
  }
  return out;
}

function SaveStatus({ status }) {
  const text = {
    dirty: '有未保存的修改（已暂存在本机）',
    saving: '正在保存…',
    saved: `已保存 ${status.at ? fmtTime(status.at).slice(11) : ''}`,
    offline: '无法连接服务器：修改已暂存在本机，恢复连接后自动保存',
    refused: '未能自动保存：有内容不符合要求（见标红处），修改已暂存在本机',
    conflict: '此申报已在别处被修改，请在页面上方选择保留哪一份',
  }[status.kind];
  if (!text) return null;
  return <Typography.Text type={['offline', 'refused', 'conflict'].includes(status.kind) ? 'danger' : 'secondary'}
    data-testid="save-status" data-status={status.kind} role="status">{text}</Typography.Text>;
}

// Each declaration (and each new one of a kind) gets its own form state: moving from one to another
// starts afresh. A declaration created by this form's first save keeps the form it was typed in.
const createdHere = {};
export default function DeclarationEdit() {
  const { id, kind } = useParams();
  return <Editor key={createdHere[id] || id || `new-${kind}`} />;
}

function Editor() {
  const { id, kind: newKind } = useParams();
  const nav = useNavigate();
  const { message, modal } = App.useApp();
  const session = getSession();
  const [decl, setDecl] = useState(null);
  const [etag, setEtag] = useState(null);
  const [loadError, setLoadError] = useState('');
  const [f, setF] = useState(() => emptyFields(session?.org));
  const [rev, setRev] = useState(0); // bumped by every edit
  const [savedRev, setSavedRev] = useState(0); // the edit the server has
  const [errors, setErrors] = useState({});
  const [general, setGeneral] = useState('');
  const [busy, setBusy] = useState('');
  const [status, setStatus] = useState({ kind: 'idle' });
  const [restored, setRestored] = useState(null); // {at} when edits kept in this browser were put back
  const [conflict, setConflict] = useState(null); // {server, etag, diffs}
  const [returned, setReturned] = useState(null); // {comment, tier, at, reviews}
  const [changes, setChanges] = useState(null); // the diff against the returned version
  const [retry, setRetry] = useState(0);
  const kind = decl?.kind || newKind;
  const rounds = useRounds({ kind: kind || '' });
  const ms = useMorningStar();
  const ib = useIndustryBrain();
  const { data: regions } = useRegions();
  const catalog = kind === 'morning_star' ? ms : ib;
  const key = draftKey(decl?.id || id ? { id: decl?.id || id } : { kind, org: session?.org });
  const saving = useRef(null); // the save in flight: a second one waits for it (never two creates)
  const latest = useRef({});
  latest.current = { f, rev, decl, etag, key };

  const edit = useCallback((patch) => { setF((v) => ({ ...v, ...patch })); setRev((r) => r + 1); }, []);
  const setPayload = useCallback((upd) => {
    setF((v) => ({ ...v, payload: typeof upd === 'function' ? upd(v.payload) : upd }));
    setRev((r) => r + 1);
  }, []);
  const dirty = rev !== savedRev;

  // Load: the server's declaration, then this browser's unsaved edits of it, if any.
  useEffect(() => {
    if (!id) {
      const local = readDraft(draftKey({ kind: newKind, org: session?.org }));
      if (local) { setF({ ...emptyFields(session?.org), ...local.fields }); setRev(1); setRestored({ at: local.saved_at }); }
      return;
    }
    if (latest.current.decl?.id === id) return; // created here a moment ago: the fields are already ours
    api(`/v1/declarations/${id}`).then(({ data, etag: t }) => {
      setDecl(data); setEtag(t);
      const server = fieldsOf(data);
      const local = readDraft(draftKey({ id }));
      const editable = data.state === 'draft' || data.state === 'returned';
      if (local && editable && differences(local.fields, server, data.kind).length) {
        setF({ ...server, ...local.fields, region: data.region, roundId: data.round || '' });
        setRev(1);
        if (local.base_version === data.version) setRestored({ at: local.saved_at });
        else setConflict({ server: data, etag: t, diffs: differences(local.fields, server, data.kind), local: true });
      } else {
        if (local) dropDraft(draftKey({ id }));
        setF(server);
      }
      if (data.state === 'returned') {
        api(`/v1/declarations/${id}/history`).then(({ data: h }) => {
          const r = [...h.items].reverse().find((e) => e.action === 'return');
          if (!r) return;
          const tier = r.actor?.tier || data.returned_by;
          const mine = [...(data.verdicts || [])].filter((v) => v.tier === tier)
            .sort((a, b) => String(a.decided_at).localeCompare(String(b.decided_at))).pop();
          setReturned({ comment: r.comment, tier, at: r.at, reviews: mine?.verified?.[data.kind === 'morning_star' ? 'criteria' : 'indicators'] || {} });
        }).catch(() => {});
      }
    }, (e) => setLoadError(errorText(e)));
  }, [id]); // eslint-disable-line react-hooks/exhaustive-deps

  // A new declaration goes into the first open round unless the applicant picks another.
  useEffect(() => {
    if (decl || f.roundId || !rounds.items) return;
    const first = openRounds(rounds.items)[0];
    if (first) setF((v) => ({ ...v, roundId: first.id }));
  }, [decl, f.roundId, rounds.items]);

  // Every edit is kept in this browser at once; dropped when the server has it.
  useEffect(() => {
    if (!rev) return;
    if (rev === savedRev) return;
    writeDraft(key, decl?.version ?? null, f);
  }, [rev, savedRev, key]); // eslint-disable-line react-hooks/exhaustive-deps

  // Leaving with edits the server does not have: the browser asks first.
  useEffect(() => {
    if (!dirty) return undefined;
    const warn = (e) => { e.preventDefault(); e.returnValue = ''; };
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);

  // The changes since the returned version, for the applicant fixing a return (refreshed per save).
  useEffect(() => {
    if (!decl || decl.state !== 'returned') return;
    api(`/v1/declarations/${decl.id}/diff`).then(({ data }) => setChanges(data.changes || []), () => setChanges(null));
  }, [decl]);

  const clean = useMemo(() => (kind === 'morning_star' ? cleanMorningStar(f.payload) : cleanIndustryBrain(f.payload)), [kind, f.payload]);
  const preview = usePreview(kind, clean);
  const names = useItemNames();
  const valueErrors = useMemo(() => (kind === 'industry_brain' ? localValueErrors(ib.data, f.payload) : {}), [kind, ib.data, f.payload]);
  const changedItems = useMemo(() => new Set((changes || []).map((c) => c.item).filter(Boolean)), [changes]);
  const editable = !decl || decl.state === 'draft' || decl.state === 'returned';
  const canCreate = !!(f.roundId && f.region && f.title.trim());

  // Create (first save) or replace; returns the declaration id and fresh ETag. Throws ApiError.
  const save = async () => {
    while (saving.current) await saving.current.catch(() => {});
    const run = saveNow();
    saving.current = run;
    try { return await run; } finally { saving.current = null; }
  };

  const saveNow = async () => {
    const { f: cur, rev: at, decl: d, etag: t, key: k } = latest.current;
    const named = cur.orgName.trim() ? { org_name: cur.orgName.trim() } : {};
    const c = contactBody(cur.contact);
    const payload = kind === 'morning_star' ? cleanMorningStar(cur.payload) : cleanIndustryBrain(cur.payload);
    setStatus({ kind: 'saving' });
    try {
      let res;
      if (!d) {
        if (!cur.roundId) throw new ApiError(400, { title: '请选择申报批次', errors: [{ pointer: '/round', message: '请选择申报批次' }] });
        res = await api('/v1/declarations', {
          method: 'POST', body: { round: cur.roundId, region: cur.region, title: cur.title.trim(), ...named, ...(Object.keys(c).length ? { contact: c } : {}), payload },
        });
        dropDraft(k);
      } else {
        res = await api(`/v1/declarations/${d.id}`, {
          method: 'PUT', etag: t, body: { title: cur.title.trim(), ...named, ...(Object.keys(c).length ? { contact: c } : {}), payload },
        });
      }
      latest.current.decl = res.data; latest.current.etag = res.etag;
      setDecl(res.data); setEtag(res.etag);
      setSavedRev(at);
      const newKey = draftKey({ id: res.data.id });
      if (latest.current.rev === at) dropDraft(newKey); else writeDraft(newKey, res.data.version, latest.current.f);
      setStatus({ kind: 'saved', at: new Date().toISOString() });
      if (!d) {
        createdHere[res.data.id] = `new-${kind}`;
        nav(`/d/${res.data.id}/edit`, { replace: true });
      }
      return { id: res.data.id, etag: res.etag, created: !d };
    } catch (e) {
      if (e instanceof ApiError && e.status === 412 && d) {
        const { data: server, etag: st } = await api(`/v1/declarations/${d.id}`);
        setConflict({ server, etag: st, diffs: differences(latest.current.f, fieldsOf(server), server.kind) });
        setStatus({ kind: 'conflict' });
      } else if (e instanceof ApiError && e.status === 0) {
        setStatus({ kind: 'offline' });
      } else {
        setStatus({ kind: 'refused' });
      }
      throw e;
    }
  };

  // Evidence files: listed per item; a first upload into a new declaration creates it (saves the draft).
  const files = useFiles(decl?.id);
  const saveRef = useRef(null);
  saveRef.current = save;
  const ensureCreated = useCallback(async () => {
    if (latest.current.decl) return latest.current.decl.id;
    const { f: cur } = latest.current;
    if (!(cur.roundId && cur.region && cur.title.trim())) throw new Error('请先选择申报批次并填写申报名称，再上传文件');
    return (await saveRef.current()).id;
  }, []);
  const filesCtx = useFilesContext(decl?.id, files, editable, null, editable ? ensureCreated : null);

  // Autosave: a few seconds after the last edit, and again while the server is out of reach.
  useEffect(() => {
    if (!editable || !dirty || conflict || busy || (!decl && !canCreate)) return undefined;
    const t = setTimeout(() => {
      if (saving.current) return;
      save().then(() => setErrors({}), (e) => {
        if (e.status === 0) setTimeout(() => setRetry((n) => n + 1), RETRY_MS);
        else if (e.status !== 412) setErrors(fieldErrors(e));
      });
    }, status.kind === 'offline' ? 0 : AUTOSAVE_MS);
    return () => clearTimeout(t);
  }, [rev, retry, editable, dirty, conflict, busy, canCreate]); // eslint-disable-line react-hooks/exhaustive-deps

  if (loadError) return <Alert type="error" showIcon message={loadError} />;
  if (id && !decl) return <Spin tip="加载中…"><div style={{ minHeight: 120 }} /></Spin>;
  if (!KIND[kind]) return <Alert type="error" message="未知的申报类型" />;
  if (!decl && rounds.items && !openRounds(rounds.items).length) {
    return (
      <Card title={<h2 style={{ margin: 0, fontSize: 18 }}>{`新建${KIND[kind]}申报`}</h2>}>
        <NoOpenRound kind={kind} rounds={rounds.items} />
      </Card>
    );
  }
  const myRound = decl && (rounds.items || []).find((r) => r.id === decl.round);

  const fail = (e, extra = {}) => {
    const fe = { ...extra, ...fieldErrors(e) };
    setErrors(fe);
    const n = Object.keys(fe).filter((p) => p && !p.startsWith('/headers')).length;
    setGeneral(e.status === 412 ? '' : n ? `${errorText(e)}：共 ${n} 处需要修改，点击下列各项可跳到该处` : errorText(e));
    if (n || e.status !== 412) window.scrollTo({ top: 0, behavior: 'smooth' });
  };

  const onSave = async () => {
    setBusy('save'); setErrors({}); setGeneral('');
    try {
      await save();
      message.success('草稿已保存');
    } catch (e) { fail(e); } finally { setBusy(''); }
  };

  const doSubmit = async () => {
    setBusy('submit'); setErrors({}); setGeneral('');
    let r = null;
    try {
      r = await save();
    } catch (e) {
      // The save itself was refused (a decimal count, say): what the submit would refuse is said too.
      if (e.status === 400) fail(e, submissionGaps(kind, latest.current.f, ib.data));
      else fail(e);
      setBusy('');
      return;
    }
    try {
      await api(`/v1/declarations/${r.id}/submit`, { method: 'POST', etag: r.etag });
      dropDraft(draftKey({ id: r.id }));
      message.success('已提交审核');
      nav(`/d/${r.id}`, { replace: true });
    } catch (e) { fail(e); } finally { setBusy(''); }
  };

  // Asked before anything is sent: what is being submitted, and plainly when the claim exceeds the self-assessment.
  const onSubmit = () => {
    const s = preview.score;
    const lines = [];
    let over = false;
    if (kind === 'morning_star') {
      const claimed = f.payload.claimed_level;
      const reached = s?.self_assessed_level ?? 0;
      over = !!claimed && claimed > reached;
      lines.push(`申报等级：${claimed ? levelText(claimed) : '尚未选择'}；自评已达：${levelText(reached)}。`);
      if (over) lines.push(`申报等级高于自评已达等级，还缺 ${(s?.missing?.[String(claimed)] || []).length} 项星标条目。审核将按核验结果认定等级，可能不予通过。`);
    } else if (s) {
      lines.push(`自评总分：${s.total} / 100${s.missing?.length ? `，尚有 ${s.missing.length} 项未填写` : ''}。`);
    }
    lines.push(decl?.state === 'returned' ? '重新提交后将回到退回您的审核层级。' : '提交后进入县级审核，审核期间不能修改；县级审核完成前可以撤回。');
    modal.confirm({
      title: over ? '申报等级高于自评等级，仍要提交吗？' : '确认提交审核？',
      content: <div data-testid="submit-confirm">{lines.map((l) => <p key={l} style={{ margin: '4px 0' }}>{l}</p>)}</div>,
      okText: over ? '仍然提交' : '确认提交', cancelText: '再检查一下', okButtonProps: { danger: over, 'data-testid': 'submit-confirm-ok' },
      onOk: doSubmit,
    });
  };

  const onDelete = async () => {
    try {
      await api(`/v1/declarations/${decl.id}`, { method: 'DELETE', etag });
      dropDraft(draftKey({ id: decl.id }));
      setSavedRev(rev);
      message.success('草稿已删除');
      nav('/mine', { replace: true });
    } catch (e) { fail(e); }
  };

  const keepMine = () => {
    setDecl(conflict.server); setEtag(conflict.etag); latest.current.etag = conflict.etag;
    setConflict(null); setStatus({ kind: 'dirty' }); setRev((r) => r + 1);
  };
  const takeServer = () => {
    setDecl(conflict.server); setEtag(conflict.etag);
    const n = latest.current.rev + 1;
    setF(fieldsOf(conflict.server)); setRev(n); setSavedRev(n);
    dropDraft(draftKey({ id: conflict.server.id }));
    setConflict(null); setStatus({ kind: 'idle' });
  };

  const shown = { ...valueErrors, ...errors };
  const err = (p) => shown[p];
  const vstatus = (p) => (shown[p] ? 'error' : '');
  const cityCode = cityOfCounty(regions, f.region);

  return (
    <div className="edit-page">
      <Space direction="vertical" style={{ width: '100%' }} size="middle">
        <Card title={<h2 style={{ margin: 0, fontSize: 18 }}>{decl ? `编辑${KIND[kind]}申报` : `新建${KIND[kind]}申报`}</h2>}
          extra={decl && <Space wrap><span>{decl.number}</span><StateTag state={decl.state} /><Link to={`/d/${decl.id}`}>查看详情</Link></Space>}>
          {returned && (
            <Alert type="warning" showIcon style={{ marginBottom: 12 }} data-testid="return-comment"
              message={`${TIER[returned.tier] || ''}审核员退回修改（${fmtTime(returned.at)}）`}
              description={<div>
                <div>{returned.comment}</div>
                {Object.values(returned.reviews).some((v) => verdictOk(v) === false) && (
                  <div style={{ marginTop: 4 }}>审核员标为不通过的条目：
                    {Object.entries(returned.reviews).filter(([, v]) => verdictOk(v) === false)
                      .map(([i]) => `${i}${names[i] ? ` ${names[i]}` : ''}`).join('、')}（已在下方标出）</div>
                )}
              </div>} />
          )}
          {changes && changes.length > 0 && (
            <Collapse size="small" style={{ marginBottom: 12 }} data-testid="my-changes" items={[{
              key: 'c', label: `本次修改（相对退回的版本）共 ${changes.length} 处`,
              children: <ul style={{ margin: 0, paddingInlineStart: 18 }}>{changes.map((c) => (
                <li key={`${c.pointer}/${c.field}`}>{pointerLabel(c.item ? `${c.pointer}/${c.field}` : c.pointer, names)}</li>))}</ul>,
            }]} />
          )}
          {restored && (
            <Alert type="info" showIcon closable style={{ marginBottom: 12 }} data-testid="restored" onClose={() => setRestored(null)}
              message={`已恢复本机暂存的、尚未保存到服务器的修改（${fmtTime(restored.at)}）`}
              action={<Button size="small" onClick={() => {
                dropDraft(key); setRestored(null);
                if (decl) { setF(fieldsOf(decl)); setSavedRev(rev + 1); setRev(rev + 1); } else { setF(emptyFields(session?.org)); setRev(0); setSavedRev(0); }
              }}>放弃这些修改</Button>} />
          )}
          {conflict && (
            <Alert type="warning" showIcon style={{ marginBottom: 12 }} data-testid="conflict"
              message={conflict.local
                ? `本机暂存有尚未保存的修改，但服务器上的申报此后已更新（${fmtTime(conflict.server.updated_at)}）`
                : `此申报已在别处被修改（${fmtTime(conflict.server.updated_at)}），您的修改没有丢失，仍在本页`}
              description={<div>
                <div>两份内容不同之处：{conflict.diffs.map((p) => pointerLabel(p, names)).join('、') || '无'}</div>
                <Space wrap style={{ marginTop: 8 }}>
                  <Button type="primary" size="small" onClick={keepMine} data-testid="conflict-keep-mine">保留我的修改（覆盖服务器上的版本）</Button>
                  <Button size="small" onClick={takeServer} data-testid="conflict-take-server">载入服务器上的版本（放弃我的修改）</Button>
                </Space>
              </div>} />
          )}
          {!editable && <Alert type="info" showIcon style={{ marginBottom: 12 }} message="该申报已提交，当前状态不可修改。" />}
          {general && <ErrorSummary title={general} errors={errors} names={names} />}
          <Form layout="vertical" component="div">
            <Form.Item label="申报批次" required validateStatus={vstatus('/round')} help={err('/round') || (decl ? '创建后不可更改' : '只能选择申报中的批次')}>
              <div id="round-field" tabIndex={-1}>
                {decl ? (
                  <Space wrap data-testid="decl-round">
                    {myRound ? <><Link to={`/rounds/${myRound.id}`}>{myRound.title}</Link><RoundStateTag state={myRound.state} /></> : <span>{decl.round}</span>}
                    {myRound && myRound.state !== 'open' && decl.state === 'draft' && (
                      <Typography.Text type="danger">该批次{roundWhen(myRound)}，草稿不能提交</Typography.Text>
                    )}
                  </Space>
                ) : <RoundPicker kind={kind} rounds={rounds} value={f.roundId} onChange={(v) => edit({ roundId: v })} />}
              </div>
            </Form.Item>
            <Form.Item label="申报名称" htmlFor="title" required validateStatus={vstatus('/title')} help={err('/title')}>
              <Input id="title" data-testid="title" value={f.title} onChange={(e) => edit({ title: e.target.value })} maxLength={200} disabled={!editable} />
            </Form.Item>
            <Form.Item label="企业名称" htmlFor="org_name" required validateStatus={vstatus('/org_name')} help={err('/org_name')}>
              <Input id="org_name" data-testid="org_name" value={f.orgName} onChange={(e) => edit({ orgName: e.target.value })} maxLength={100} disabled={!editable} />
            </Form.Item>
            <Form.Item label="所在县（市、区）" htmlFor="region" required validateStatus={vstatus('/region')}
              help={err('/region') || (decl ? '已保存，不可更改（如需更改请删除草稿后重新申报）' : '首次保存后不可更改；默认取自统一社会信用代码中的登记管理机关代码')}>
              <Cascader id="region" data-testid="region" options={countyOptions(regions)} disabled={!!decl}
                value={f.region && cityCode ? [cityCode, f.region] : []} onChange={(v) => edit({ region: v?.[1] || '' })}
                placeholder="请选择" showSearch allowClear={false} style={{ maxWidth: 360, width: '100%' }} />
            </Form.Item>
            <div className="contact-fields">
              <Form.Item label="联系人" htmlFor="contact-name" required validateStatus={vstatus('/contact/name')} help={err('/contact/name')}>
                <Input id="contact-name" data-testid="contact-name" value={f.contact.name} disabled={!editable}
                  onChange={(e) => edit({ contact: { ...f.contact, name: e.target.value } })} maxLength={50} />
              </Form.Item>
              <Form.Item label="联系电话" htmlFor="contact-phone" required validateStatus={vstatus('/contact/phone')} help={err('/contact/phone')}>
                <Input id="contact-phone" data-testid="contact-phone" value={f.contact.phone} disabled={!editable}
                  onChange={(e) => edit({ contact: { ...f.contact, phone: e.target.value } })} maxLength={20} />
              </Form.Item>
              <Form.Item label="电子邮箱（选填）" htmlFor="contact-email" validateStatus={vstatus('/contact/email')} help={err('/contact/email')}>
                <Input id="contact-email" data-testid="contact-email" type="email" value={f.contact.email || ''} disabled={!editable}
                  onChange={(e) => edit({ contact: { ...f.contact, email: e.target.value } })} maxLength={254} />
              </Form.Item>
            </div>
          </Form>
        </Card>
        <Card title="申报材料" data-testid="declaration-files">
          <Typography.Paragraph type="secondary" style={{ marginTop: 0 }}>
            请上传加盖公章的申报书和真实性承诺书；各条目的佐证材料（系统截图、合同、证书、检测报告等）在下方对应条目处上传，
            也可以把文件拖到条目上。可上传 PDF、OFD、JPG、PNG、DOCX、XLSX，单个文件不超过 20 MB，每份申报合计不超过 300 MB、200 个文件。
          </Typography.Paragraph>
          {files.error && <Alert type="error" showIcon message={`文件列表加载失败：${files.error}`} style={{ marginBottom: 8 }} />}
          <ItemFiles item="declaration" label="上传申报书、承诺书" {...(filesCtx || { files, editable: false })} />
        </Card>
        <Card title={kind === 'morning_star' ? '晨星工厂评价指标（72 项）' : '产业大脑评价指标（32 项）'}>
          <div className="score-bar" data-testid="score-bar">
            {kind === 'morning_star'
              ? <MorningStarScore score={preview.score} claimed={f.payload.claimed_level} names={names} error={preview.error} />
              : <IndustryBrainScore score={preview.score} error={preview.error} />}
          </div>
          {catalog.error && <Alert type="error" message={`指标目录加载失败：${errorText(catalog.error)}`} />}
          {!catalog.data && !catalog.error && <Spin tip="加载指标目录…"><div style={{ minHeight: 80 }} /></Spin>}
          <FilesContext.Provider value={filesCtx}>
          {catalog.data && kind === 'morning_star' && (
            <MorningStarForm catalog={catalog.data} value={f.payload} setValue={setPayload} errors={shown} readOnly={!editable}
              reviews={returned?.reviews} changed={changedItems}
              missingIds={f.payload.claimed_level && preview.score ? preview.score.missing?.[String(f.payload.claimed_level)] : []} />
          )}
          {catalog.data && kind === 'industry_brain' && (
            <IndustryBrainForm catalog={catalog.data} value={f.payload} onChange={setPayload} errors={shown} score={preview.score}
              readOnly={!editable} changed={changedItems} />
          )}
          </FilesContext.Provider>
        </Card>
      </Space>
      {editable && (
        <div className="action-bar" data-testid="action-bar">
          <Space wrap size={[8, 4]}>
            <Button onClick={onSave} loading={busy === 'save'} disabled={!!busy || !!conflict} data-testid="save">保存草稿</Button>
            <Button type="primary" onClick={onSubmit} loading={busy === 'submit'} disabled={!!busy || !!conflict} data-testid="submit">
              {decl?.state === 'returned' ? '修改完成，重新提交' : '提交审核'}
            </Button>
            {decl?.state === 'draft' && (
              <Popconfirm title="删除这份草稿？删除后无法恢复。" okText="删除" okButtonProps={{ danger: true, 'data-testid': 'delete-ok' }} cancelText="取消" onConfirm={onDelete}>
                <Button danger type="text" data-testid="delete-draft">删除草稿</Button>
              </Popconfirm>
            )}
            {conflict && <>
              <Button size="small" type="primary" ghost onClick={keepMine}>保留我的修改</Button>
              <Button size="small" onClick={takeServer}>载入服务器版本</Button>
            </>}
            {general && <Button type="link" danger size="small" onClick={() => document.getElementById('error-summary')?.scrollIntoView({ behavior: 'smooth' })}>
              查看需修改之处</Button>}
            <SaveStatus status={dirty && status.kind !== 'offline' && status.kind !== 'refused' && status.kind !== 'conflict' && status.kind !== 'saving' ? { kind: 'dirty' } : status} />
          </Space>
          <div className="action-hint">草稿可不完整，修改会自动保存；提交时一次列出所有需补充之处。</div>
        </div>
      )}
    </div>
  );
}

