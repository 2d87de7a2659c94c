import { useEffect, useMemo, useState } from 'react';
import { Card, Form, Input, Button, Space, Alert, Spin, Cascader, Typography, App } from 'antd';
import { useNavigate, useParams, Link } from 'react-router-dom';
import { api, errorText, fieldErrors } from '../api.js';
import { getSession } from '../auth.js';
import { KIND, TIER } from '../labels.js';
import { useMorningStar, useIndustryBrain, useRegions, cityOfCounty, countyOptions } from '../data.js';
import MorningStarForm, { cleanMorningStar } from '../components/MorningStarForm.jsx';
import IndustryBrainForm, { cleanIndustryBrain } from '../components/IndustryBrainForm.jsx';
import { usePreview, MorningStarScore, IndustryBrainScore } from '../components/ScorePanel.jsx';
import { StateTag } from '../components/DeclarationTable.jsx';
import RoundPicker, { NoOpenRound, openRounds } from '../components/RoundPicker.jsx';
import { RoundStateTag } from '../components/RoundBits.jsx';
import { useRounds, roundWhen } from '../rounds.js';

// The county code inside a 统一社会信用代码 (characters 3–8), a sensible default region.
function regionFromOrg(org) {
  const m = /^..(\d{6})/.exec(org || '');
  return m && m[1].startsWith('37') && !m[1].endsWith('00') ? m[1] : '';
}

export default function DeclarationEdit() {
  const { id, kind: newKind } = useParams();
  const nav = useNavigate();
  const { message } = App.useApp();
  const session = getSession();
  const [decl, setDecl] = useState(null);
  const [etag, setEtag] = useState(null);
  const [loadError, setLoadError] = useState('');
  const [title, setTitle] = useState('');
  const [orgName, setOrgName] = useState('');
  const [contact, setContact] = useState({ name: '', phone: '', email: '' });
  const [region, setRegion] = useState(regionFromOrg(session?.org));
  const [payload, setPayload] = useState({ criteria: {}, indicators: {} });
  const [errors, setErrors] = useState({});
  const [general, setGeneral] = useState('');
  const [busy, setBusy] = useState('');
  const [returnComment, setReturnComment] = useState(null);
  const [roundId, setRoundId] = useState('');
  const kind = decl?.kind || newKind;
  const rounds = useRounds({ kind: kind || '' });
  const ms = useMorningStar();
  const ib = useIndustryBrain();
  const { data: regions } = useRegions();
  const catalog = kind === 'morning_star' ? ms : ib;

  useEffect(() => {
    if (!id) return;
    api(`/v1/declarations/${id}`).then(({ data, etag: t }) => {
      setDecl(data); setEtag(t); setTitle(data.title); setOrgName(data.org_name || ''); setContact({ email: '', ...data.contact }); setRegion(data.region);
      setPayload(data.payload || {});
      if (data.state === 'returned') {
        api(`/v1/declarations/${id}/history`).then(({ data: h }) => {
          const r = [...h.items].reverse().find((e) => e.action === 'return');
          if (r) setReturnComment(r);
        }).catch(() => {});
      }
    }, (e) => setLoadError(errorText(e)));
  }, [id]);

  // A new declaration goes into the first open round unless the applicant picks another.
  useEffect(() => {
    if (decl || roundId || !rounds.items) return;
    const first = openRounds(rounds.items)[0];
    if (first) setRoundId(first.id);
  }, [decl, roundId, rounds.items]);

  const clean = useMemo(() => (kind === 'morning_star' ? cleanMorningStar(payload) : cleanIndustryBrain(payload)), [kind, payload]);
  const preview = usePreview(kind, clean);
  const names = useMemo(() => Object.fromEntries((ms.data?.criteria || []).map((c) => [c.id, c.name])), [ms.data]);

  if (loadError) return <Alert type="error" showIcon message={loadError} />;
  if (id && !decl) return <Spin tip="加载中" />;
  if (!KIND[kind]) return <Alert type="error" message="未知的申报类型" />;
  const editable = !decl || decl.state === 'draft' || decl.state === 'returned';
  if (!decl && rounds.items && !openRounds(rounds.items).length) {
    return (
      <Card title={<h2 style={{ margin: 0, fontSize: 18 }}>{`新建${KIND[kind]}申报`}</h2>}>
        <NoOpenRound kind={kind} rounds={rounds.items} />
      </Card>
    );
  }
  const myRound = decl && (rounds.items || []).find((r) => r.id === decl.round);

  const contactBody = () => {
    const c = { name: contact.name.trim(), phone: contact.phone.trim() };
    if (contact.email && contact.email.trim()) c.email = contact.email.trim();
    return c;
  };

  // Create (first save) or replace; returns the declaration id and fresh ETag.
  const save = async () => {
    setErrors({}); setGeneral('');
    const named = orgName.trim() ? { org_name: orgName.trim() } : {};
    if (!decl) {
      if (!roundId) throw new Error('请选择申报批次');
      const { data, etag: t } = await api('/v1/declarations', {
        method: 'POST', body: { round: roundId, region, title: title.trim(), ...named, contact: contactBody(), payload: clean },
      });
      setDecl(data); setEtag(t);
      return { id: data.id, etag: t, created: true };
    }
    const { data, etag: t } = await api(`/v1/declarations/${decl.id}`, {
      method: 'PUT', etag, body: { title: title.trim(), ...named, contact: contactBody(), payload: clean },
    });
    setDecl(data); setEtag(t);
    return { id: data.id, etag: t };
  };

  const fail = (e) => {
    const fe = fieldErrors(e);
    setErrors(fe);
    const general = errorText(e);
    setGeneral(Object.keys(fe).length ? `${general}（共 ${Object.keys(fe).length} 处，见下方标红的字段）` : general);
    window.scrollTo({ top: 0, behavior: 'smooth' });
  };

  const onSave = async () => {
    setBusy('save');
    try {
      const r = await save();
      message.success('草稿已保存');
      if (r.created) nav(`/d/${r.id}/edit`, { replace: true });
    } catch (e) { fail(e); } finally { setBusy(''); }
  };

  const onSubmit = async () => {
    setBusy('submit');
    let r = null;
    try {
      r = await save();
      await api(`/v1/declarations/${r.id}/submit`, { method: 'POST', etag: r.etag });
      message.success('已提交审核');
      nav(`/d/${r.id}`, { replace: true });
    } catch (e) {
      fail(e);
      if (r?.created) nav(`/d/${r.id}/edit`, { replace: true }); // created, but the submit was refused
    } finally { setBusy(''); }
  };

  const err = (p) => errors[p];
  const status = (p) => (errors[p] ? 'error' : '');
  const cityCode = cityOfCounty(regions, region);

  return (
    <Space direction="vertical" style={{ width: '100%' }} size="middle">
      <Card title={<h2 style={{ margin: 0, fontSize: 18 }}>{decl ? `编辑${KIND[kind]}申报` : `新建${KIND[kind]}申报`}</h2>}
        extra={decl && <Space><span>{decl.number}</span><StateTag state={decl.state} /><Link to={`/d/${decl.id}`}>查看详情</Link></Space>}>
        {returnComment && (
          <Alert type="warning" showIcon style={{ marginBottom: 12 }} data-testid="return-comment"
            message={`${TIER[returnComment.actor?.tier] || ''}审核员退回修改`} description={returnComment.comment} />
        )}
        {!editable && <Alert type="info" showIcon style={{ marginBottom: 12 }} message="该申报已提交，当前状态不可修改。" />}
        {general && <Alert type="error" showIcon role="alert" data-testid="form-error" style={{ marginBottom: 12 }} message={general}
          description={errors[''] || errors['/headers/If-Match']} />}
        <Form layout="vertical" component="div">
          <Form.Item label="申报批次" required validateStatus={status('/round')} help={err('/round') || (decl ? '创建后不可更改' : '只能选择申报中的批次')}>
            {decl ? (
              <Space wrap data-testid="decl-round">
                {myRound ? <><Link to={`/rounds/${myRound.id}`}>{myRound.title}</Link><RoundStateTag state={myRound.state} /></> : <span>{decl.round}</span>}
                {myRound && myRound.state !== 'open' && decl.state === 'draft' && (
                  <Typography.Text type="danger">该批次{roundWhen(myRound)}，草稿不能提交</Typography.Text>
                )}
              </Space>
            ) : <RoundPicker kind={kind} rounds={rounds} value={roundId} onChange={setRoundId} />}
          </Form.Item>
          <Form.Item label="申报名称" htmlFor="title" required validateStatus={status('/title')} help={err('/title')}>
            <Input id="title" data-testid="title" value={title} onChange={(e) => setTitle(e.target.value)} maxLength={200} disabled={!editable} />
          </Form.Item>
          <Form.Item label="企业名称" htmlFor="org_name" required validateStatus={status('/org_name')} help={err('/org_name')}>
            <Input id="org_name" data-testid="org_name" value={orgName} onChange={(e) => setOrgName(e.target.value)} maxLength={100} disabled={!editable} />
          </Form.Item>
          <Form.Item label="所在县（市、区）" htmlFor="region" required validateStatus={status('/region')}
            help={err('/region') || (decl ? '提交后不可更改' : '默认取自统一社会信用代码中的登记管理机关代码')}>
            <Cascader id="region" data-testid="region" options={countyOptions(regions)} disabled={!!decl}
              value={region && cityCode ? [cityCode, region] : []} onChange={(v) => setRegion(v?.[1] || '')}
              placeholder="请选择" showSearch allowClear={false} style={{ maxWidth: 360 }} />
          </Form.Item>
          <Space wrap align="start" size="middle">
            <Form.Item label="联系人" htmlFor="contact-name" required validateStatus={status('/contact/name')} help={err('/contact/name')}>
              <Input id="contact-name" data-testid="contact-name" value={contact.name} disabled={!editable}
                onChange={(e) => setContact({ ...contact, name: e.target.value })} maxLength={50} />
            </Form.Item>
            <Form.Item label="联系电话" htmlFor="contact-phone" required validateStatus={status('/contact/phone')} help={err('/contact/phone')}>
              <Input id="contact-phone" data-testid="contact-phone" value={contact.phone} disabled={!editable}
                onChange={(e) => setContact({ ...contact, phone: e.target.value })} maxLength={20} />
            </Form.Item>
            <Form.Item label="电子邮箱（选填）" htmlFor="contact-email" validateStatus={status('/contact/email')} help={err('/contact/email')}>
              <Input id="contact-email" data-testid="contact-email" type="email" value={contact.email || ''} disabled={!editable}
                onChange={(e) => setContact({ ...contact, email: e.target.value })} maxLength={254} />
            </Form.Item>
          </Space>
        </Form>
      </Card>
      <Card title={kind === 'morning_star' ? '晨星工厂评价指标（72 项）' : '产业大脑评价指标（32 项）'}>
        <div className="score-bar" style={{ marginBottom: 12 }}>
          {kind === 'morning_star'
            ? <MorningStarScore score={preview.score} claimed={payload.claimed_level} names={names} error={preview.error} />
            : <IndustryBrainScore score={preview.score} error={preview.error} />}
        </div>
        {catalog.error && <Alert type="error" message={`指标目录加载失败：${errorText(catalog.error)}`} />}
        {!catalog.data && !catalog.error && <Spin />}
        {catalog.data && kind === 'morning_star' && (
          <MorningStarForm catalog={catalog.data} value={payload} setValue={setPayload} errors={errors} readOnly={!editable}
            missingIds={payload.claimed_level && preview.score ? preview.score.missing?.[String(payload.claimed_level)] : []} />
        )}
        {catalog.data && kind === 'industry_brain' && (
          <IndustryBrainForm catalog={catalog.data} value={payload} onChange={setPayload} errors={errors} score={preview.score} readOnly={!editable} />
        )}
      </Card>
      {editable && (
        <Card size="small" style={{ position: 'sticky', bottom: 0, zIndex: 10 }}>
          <Space wrap>
            <Button onClick={onSave} loading={busy === 'save'} disabled={!!busy} data-testid="save">保存草稿</Button>
            <Button type="primary" onClick={onSubmit} loading={busy === 'submit'} disabled={!!busy} data-testid="submit">
              {decl?.state === 'returned' ? '修改完成，重新提交' : '提交审核'}
            </Button>
            <Typography.Text type="secondary">草稿可不完整；提交时将检查必填项。</Typography.Text>
          </Space>
        </Card>
      )}
    </Space>
  );
}
