import { useEffect, useRef, useState } from 'react';
import { Layout, Menu, Button, Badge, Result, Drawer } from 'antd';
import { Routes, Route, Navigate, Link, useLocation, useNavigate } from 'react-router-dom';
import { getSession, onSessionChange, signOut } from './auth.js';
import { ROLE, TIER } from './labels.js';
import { useUnread, refreshUnread, resetUnread } from './unread.js';
import { useRegions, regionNames } from './data.js';
import SignIn from './pages/SignIn.jsx';
import MyDeclarations from './pages/MyDeclarations.jsx';
import DeclarationEdit from './pages/DeclarationEdit.jsx';
import DeclarationView from './pages/DeclarationView.jsx';
import HistoryPage from './pages/HistoryPage.jsx';
import Pending from './pages/Pending.jsx';
import AllDeclarations from './pages/AllDeclarations.jsx';
import Inbox from './pages/Inbox.jsx';
import Webhook from './pages/Webhook.jsx';
import Overview from './pages/Overview.jsx';
import PublicNotices from './pages/PublicNotices.jsx';
import ExpertQueue from './pages/ExpertQueue.jsx';
import Objections from './pages/Objections.jsx';
import RoundList from './pages/rounds/RoundList.jsx';
import RoundView from './pages/rounds/RoundView.jsx';
import RoundForm from './pages/rounds/RoundForm.jsx';
import RoundCity, { CityRankingRounds } from './pages/rounds/RoundCity.jsx';

const { Header, Content } = Layout;

function useSession() {
  const [s, setS] = useState(getSession());
  useEffect(() => onSessionChange(() => { resetUnread(); setS(getSession()); }), []);
  useEffect(() => {
    if (!s) return undefined;
    const ms = s.exp * 1000 - Date.now();
    const t = setTimeout(() => signOut('登录已过期，请重新登录'), Math.max(0, Math.min(ms, 2 ** 31 - 1)));
    return () => clearTimeout(t);
  }, [s]);
  return s;
}

function home(s) {
  if (s.role === 'applicant') return '/mine';
  if (s.role === 'reviewer') return '/pending';
  if (s.role === 'expert') return '/reviews';
  return '/overview';
}

// The role's entries; `prefix` keeps the drawer's test ids apart from the header's.
function menuFor(s, prefix = '') {
  if (s.role === 'applicant') {
    return [
      { key: '/mine', label: <Link to="/mine">我的申报</Link> },
      { key: '/inbox', label: <Link to="/inbox">消息</Link> },
      { key: '/webhook', label: <Link to="/webhook">Webhook 设置</Link> },
    ];
  }
  if (s.role === 'expert') {
    return [
      { key: '/reviews', label: <Link to="/reviews">待评审</Link> },
      { key: '/inbox', label: <Link to="/inbox">消息</Link> },
    ];
  }
  const items = [];
  if (s.role === 'reviewer') items.push({ key: '/pending', label: <Link to="/pending">待审队列</Link> });
  if ((s.role === 'reviewer' && s.tier === 'province') || s.role === 'admin') {
    items.push({ key: '/objections', label: <Link to="/objections" data-testid={`${prefix}nav-objections`}>公示异议</Link> });
  }
  if (s.role === 'reviewer' && s.tier === 'city') items.push({ key: '/ranking', label: <Link to="/ranking" data-testid={`${prefix}nav-ranking`}>本市推荐排序</Link> });
  items.push({ key: '/rounds', label: <Link to="/rounds" data-testid={`${prefix}nav-rounds`}>申报批次</Link> });
  items.push({ key: '/all', label: <Link to="/all">辖区申报</Link> });
  items.push({ key: '/overview', label: <Link to="/overview">统计概览</Link> });
  if (s.role === 'reviewer') items.push({ key: '/inbox', label: <Link to="/inbox">消息</Link> });
  return items;
}

// Who is signed in; a reviewer's jurisdiction by name when the catalogue has come, always with its code.
function whoText(s, names) {
  if (s.role === 'applicant') return `企业 ${s.org}`;
  if (s.role === 'reviewer') return `${TIER[s.tier] || ''}审核员 ${names[s.region] ? `${names[s.region]}（${s.region}）` : s.region}`;
  if (s.role === 'expert') return `评审专家 ${s.sub}`;
  return ROLE[s.role] || s.role;
}

// The server's unread count (the same figure the inbox page shows), linked to the inbox.
function UnreadBadge({ session }) {
  const n = useUnread();
  const loc = useLocation();
  useEffect(() => { if (session.role !== 'admin') refreshUnread(); }, [session.token, session.role, loc.pathname]);
  if (session.role === 'admin' || n === null) return null;
  return (
    <span data-testid="unread-badge" data-count={n} className="unread">
      {n > 0 && (
        <Link to="/inbox" aria-label={`消息：${n} 条未读`} title={`${n} 条未读消息`}>
          <Badge count={n} size="small" overflowCount={999} />
        </Link>
      )}
    </span>
  );
}

// The header's navigation: a horizontal menu on wide screens; at 900 px and below a 菜单 button
// opening a drawer with the same entries (CSS decides which one shows, so nothing flashes).
function Navigation({ session, selected }) {
  const [open, setOpen] = useState(false);
  const button = useRef(null);
  const loc = useLocation();
  useEffect(() => { setOpen(false); }, [loc.pathname]);
  return (
    <>
      <Menu theme="dark" mode="horizontal" selectedKeys={[selected]} items={menuFor(session)} className="nav-wide"
        aria-label="主菜单" style={{ background: 'transparent', flex: 1, minWidth: 0 }} />
      <Button ref={button} className="nav-phone" data-testid="nav-open" aria-label="打开菜单" aria-haspopup="dialog"
        aria-expanded={open} aria-controls="nav-drawer" onClick={() => setOpen(true)}>菜单</Button>
      <Drawer title="菜单" placement="right" width={260} open={open} onClose={() => setOpen(false)} destroyOnHidden
        id="nav-drawer" rootClassName="nav-drawer" data-testid="nav-drawer"
        afterOpenChange={(o) => { if (!o) button.current?.focus(); }}>
        <Menu mode="inline" selectedKeys={[selected]} items={menuFor(session, 'drawer-')} aria-label="主菜单"
          onClick={() => setOpen(false)} style={{ borderInlineEnd: 0 }} />
      </Drawer>
    </>
  );
}

// Pages that change things only the admin may change; others get a plain refusal, not a form that 403s.
function AdminOnly({ session, children }) {
  if (session.role === 'admin') return children;
  return <Result status="403" title="只有管理员可以创建或修改申报批次" extra={<Link to="/rounds">返回申报批次</Link>} />;
}

// The public 公示 page for people who are not signed in: the platform's name and a way to sign in.
function PublicPage() {
  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Header className="app-header">
        <h1>山东省晨星工厂·产业大脑申报评审平台</h1>
        <span className="who"><Link to="/" style={{ color: '#fff' }}>登录</Link></span>
      </Header>
      <Content className="app-content" id="main" tabIndex={-1}><PublicNotices /></Content>
    </Layout>
  );
}

export default function App() {
  const session = useSession();
  const loc = useLocation();
  const nav = useNavigate();
  const { data: regions } = useRegions();
  if (!session) {
    return (
      <Routes>
        <Route path="/public" element={<PublicPage />} />
        <Route path="*" element={<SignIn />} />
      </Routes>
    );
  }
  const selected = '/' + (loc.pathname.split('/')[1] || '');
  return (
    <Layout style={{ minHeight: '100vh' }}>
      <a className="skip-link" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById('main')?.focus(); }}>跳到正文</a>
      <Header className="app-header">
        <h1>山东省晨星工厂·产业大脑申报评审平台</h1>
        <Navigation session={session} selected={selected} />
        <span className="who">
          <UnreadBadge session={session} />
          <span data-testid="who" className="who-text">{whoText(session, regionNames(regions))}</span>
          <Button size="small" data-testid="sign-out" onClick={() => { signOut(); nav('/'); }}>退出</Button>
        </span>
      </Header>
      <Content className="app-content" id="main" tabIndex={-1}>
        <Routes>
          <Route path="/" element={<Navigate to={home(session)} replace />} />
          <Route path="/sign-in" element={<Navigate to={home(session)} replace />} />
          <Route path="/mine" element={<MyDeclarations />} />
          <Route path="/new/:kind" element={<DeclarationEdit />} />
          <Route path="/d/:id/edit" element={<DeclarationEdit />} />
          <Route path="/d/:id/history" element={<HistoryPage />} />
          <Route path="/d/:id" element={<DeclarationView session={session} />} />
          <Route path="/pending" element={<Pending session={session} />} />
          <Route path="/all" element={<AllDeclarations session={session} />} />
          <Route path="/inbox" element={<Inbox />} />
          <Route path="/webhook" element={<Webhook />} />
          <Route path="/overview" element={<Overview session={session} />} />
          <Route path="/reviews" element={<ExpertQueue />} />
          <Route path="/objections" element={<Objections />} />
          <Route path="/public" element={<PublicNotices />} />
          <Route path="/rounds" element={<RoundList session={session} />} />
          <Route path="/rounds/new" element={<AdminOnly session={session}><RoundForm /></AdminOnly>} />
          <Route path="/rounds/:id/edit" element={<AdminOnly session={session}><RoundForm /></AdminOnly>} />
          <Route path="/rounds/:id/cities/:city" element={<RoundCity session={session} />} />
          <Route path="/ranking" element={<CityRankingRounds session={session} />} />
          <Route path="/rounds/:id" element={<RoundView session={session} />} />
          <Route path="*" element={<Result status="404" title="页面不存在" extra={<Link to="/">返回首页</Link>} />} />
        </Routes>
      </Content>
    </Layout>
  );
}
