// Every route of the console for each role that may see it, on a desktop (1366×768) and on a phone
// (390×844, touch): node tests/pages.test.mjs
// Env: BASE_URL (default http://127.0.0.1:8080), SCREENSHOT_DIR (default web/test-results),
//      CHROMIUM (default /usr/bin/chromium). Data is set up over the API with development tokens.
// Checks: nothing scrolls sideways at 390 px (naming the widest element that sticks out), the phone's
// 菜单 drawer opens with the role's entries, the header badge says the inbox page's unread count
// and 全部标为已读 takes both to 0. A full-page screenshot of each page: p-<role>-<page>-<desktop|phone>.png.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const BASE = (process.env.BASE_URL || 'http://127.0.0.1:8080').replace(/\/$/, '');
const SHOTS = process.env.SCREENSHOT_DIR || path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'test-results');
const T = 15000;
mkdirSync(SHOTS, { recursive: true });

// An org of its own (青岛市崂山区), so that its inbox holds only what this file makes.
const ORG = '91370212MA3D12345D';
const COUNTY = '370212';
const CITY = '370200';
const LEVEL1 = ['MS01', 'MS04', 'MS09', 'MS17', 'MS19', 'MS20', 'MS40', 'MS41', 'MS47', 'MS52', 'MS70', 'MS71', 'MS72'];

let passed = 0;
let failed = 0;
async function step(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    passed++;
    console.log(`ok   ${name} (${Date.now() - t0} ms)`);
    return true;
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${e.stack || e}`);
    return false;
  }
}
const check = (cond, msg) => { if (!cond) throw new Error(msg); };

// ---- the API, with development tokens ----
async function call(token, method, url, body, headers = {}) {
  const res = await fetch(`${BASE}${url}`, {
    method,
    headers: { Accept: 'application/json', 'Accept-Language': 'zh-CN', ...(token && { Authorization: `Bearer ${token}` }),
      ...(body !== undefined && { 'Content-Type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  return { status: res.status, etag: res.headers.get('ETag'), body: json };
}
async function must(token, method, url, body, headers) {
  const r = await call(token, method, url, body, headers);
  check(r.status >= 200 && r.status < 300, `${method} ${url}: ${r.status} ${JSON.stringify(r.body)}`);
  return r;
}
async function token(body) {
  return (await must(null, 'POST', '/v1/dev/sign-in', body)).body.token;
}
async function approve(tok, id, comment, verified) {
  const g = await must(tok, 'GET', `/v1/declarations/${id}`);
  await must(tok, 'POST', `/v1/declarations/${id}/decisions`, { decision: 'approve', comment, ...(verified && { verified }) }, { 'If-Match': g.etag });
}
async function waitFor(what, fn) {
  const deadline = Date.now() + T;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

// ---- the browser ----
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
const VIEWPORTS = {
  desktop: { viewport: { width: 1366, height: 768 } },
  phone: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true },
};

// A signed-in person's browser: the token is in sessionStorage before the console starts.
async function browse(tok, kind) {
  const context = await browser.newContext({ ...VIEWPORTS[kind], locale: 'zh-CN' });
  await context.addInitScript((t) => sessionStorage.setItem('sdp.token', t), tok);
  const page = await context.newPage();
  page.setDefaultTimeout(T);
  page.on('pageerror', (e) => console.log(`  [page error] ${e.message}`));
  return { context, page };
}

// null when the page fits its window; else how wide it is and the elements that stick out: the one
// reaching furthest right and the widest, each outside any container that scrolls or clips it.
async function overflow(page) {
  return page.evaluate(() => {
    const w = window.innerWidth;
    const sw = document.documentElement.scrollWidth;
    if (sw <= w + 1) return null;
    const clipped = (el) => {
      for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
        const ox = getComputedStyle(a).overflowX;
        if (ox !== 'visible' && a.getBoundingClientRect().right <= w + 1) return true;
      }
      return false;
    };
    const describe = (el, b) => ({ tag: el.tagName.toLowerCase(), testid: el.getAttribute('data-testid') || undefined,
      cls: String(el.className?.baseVal ?? el.className ?? '').slice(0, 90), width: Math.round(b.width), right: Math.round(b.right),
      text: (el.textContent || '').trim().slice(0, 40) });
    let furthest = null;
    let widest = null;
    for (const el of document.querySelectorAll('body *')) {
      const b = el.getBoundingClientRect();
      if (b.right <= w + 1 || b.width === 0 || clipped(el)) continue;
      if (!furthest || b.right > furthest.b.right) furthest = { el, b };
      if (!widest || b.width > widest.b.width) widest = { el, b };
    }
    return { innerWidth: w, scrollWidth: sw, furthest: furthest && describe(furthest.el, furthest.b), widest: widest && describe(widest.el, widest.b) };
  });
}

// Waits until the page has drawn its content (`ready`) and has nothing left loading.
async function settle(page, ready) {
  await page.locator(ready).first().waitFor();
  await page.waitForLoadState('networkidle', { timeout: 5000 }).catch(() => {});
  await page.waitForFunction(() => !document.querySelector('[data-testid="loading"], .ant-spin-spinning'), null, { timeout: 5000 }).catch(() => {});
  await page.waitForTimeout(300); // charts animate in
}

async function visit(role, kind, page, route) {
  await page.goto(`${BASE}/#${route.path}`);
  await settle(page, route.ready);
  check(!(await page.getByText('页面不存在').count()), `${route.path} is 页面不存在`);
  await page.screenshot({ path: path.join(SHOTS, `p-${role}-${route.name}-${kind}.png`), fullPage: true });
  await fits(page, kind, role, route);
  if (route.check) await route.check(page, kind, role);
}

// At 390 px: too wide fails, naming what sticks out.
async function fits(page, kind, role, route) {
  if (kind !== 'phone') return;
  const o = await overflow(page);
  if (!o) return;
  const text = `${route.path} is ${o.scrollWidth} px wide at ${o.innerWidth} px; furthest ${JSON.stringify(o.furthest)}; widest ${JSON.stringify(o.widest)}`;
  throw new Error(text);
}

let code = 0;
try {
  // ---- data: an applicant's declarations, one in 公示, one at the county, one draft; 20+ notifications ----
  const tok = {};
  const data = {};
  await step('set-up over the API: sign-ins, declarations, one approved to 公示', async () => {
    tok.applicant = await token({ role: 'applicant', org: ORG });
    tok.county = await token({ role: 'reviewer', tier: 'county', region: COUNTY });
    tok.city = await token({ role: 'reviewer', tier: 'city', region: CITY });
    tok.province = await token({ role: 'reviewer', tier: 'province', region: '370000' });
    tok.admin = await token({ role: 'admin' });
    const expertSub = `pages-expert-${Date.now()}`;
    await must(tok.admin, 'POST', '/v1/experts', { sub: expertSub, name: '页面测试专家', employer: null, home_region: '370600', kinds: ['morning_star'] });
    tok.expert = await token({ role: 'expert', sub: expertSub });
    const rounds = await must(tok.applicant, 'GET', '/v1/rounds?kind=morning_star&state=open');
    check(rounds.body.items.length > 0, 'no open 晨星工厂 round');
    data.round = rounds.body.items[0].id;
    const criteria = Object.fromEntries(LEVEL1.map((c) => [c, { met: true, evidence: '见附件' }]));
    const mk = async (title, submit = true) => {
      const r = await must(tok.applicant, 'POST', '/v1/declarations', {
        round: data.round, region: COUNTY, title, org_name: '青岛崂山某智能制造有限公司',
        contact: { name: '张伟', phone: '0532-88880000', email: 'zhangwei@example.cn' },
        payload: { claimed_level: 1, criteria },
      });
      if (submit) await must(tok.applicant, 'POST', `/v1/declarations/${r.body.id}/submit`);
      return r.body;
    };
    const d1 = await mk(`页面巡检·晨星工厂智能化改造项目（进入公示）${Date.now()}`);
    const verified = { criteria: Object.fromEntries(LEVEL1.map((c) => [c, true])) };
    await approve(tok.county, d1.id, '材料齐全，同意推荐至市级。', verified);
    await approve(tok.city, d1.id, '同意推荐至省级。');
    await approve(tok.province, d1.id, '同意认定，进入公示。');
    const g = await must(tok.applicant, 'GET', `/v1/declarations/${d1.id}`);
    check(g.body.state === 'publicity', `the first declaration is ${g.body.state}, not publicity`);
    const d2 = await mk(`页面巡检·县级审核中的申报 ${Date.now()}`);
    const d3 = await mk(`页面巡检·草稿 ${Date.now()}`, false);
    // More submissions than an inbox page holds (20): the badge and the page must say the total.
    for (let i = 0; i < 20; i++) await mk(`页面巡检·批量申报 ${i + 1}`);
    Object.assign(data, { d1: d1.id, d2: d2.id, d3: d3.id, number1: d1.number });
    data.unread = await waitFor('the applicant\'s notifications', async () => {
      const n = (await must(tok.applicant, 'GET', '/v1/notifications?limit=1')).body.unread;
      return n >= 25 ? n : 0; // 22 submits, 3 approvals
    });
    console.log(`     declarations ${d1.number} (公示), ${d2.number} (县级), ${d3.number} (草稿); round ${data.round}; ${data.unread} unread`);
  });
  if (failed) throw new Error('set-up failed');

  const { d1, d2, d3, round } = data;
  const R = (name, p, ready, check) => ({ name, path: p, ready, check });
  // 统计概览: every city of the province for the province and the admin; no zero slice in the pie.
  const overviewCheck = async (page, kind, role) => {
    const stats = (await must(tok[role], 'GET', '/v1/stats')).body.by_state;
    const want = [['县级审核', 'county_review'], ['市级审核', 'city_review'], ['省级审核', 'province_review'], ['公示', 'publicity']]
      .filter(([, k]) => (stats[k] || 0) > 0).map(([n]) => n).join(',');
    const slices = await page.getByTestId('tier-card').getAttribute('data-slices');
    check(slices === want, `the pie shows ${slices}, the non-zero tiers are ${want}`);
    const rows = await page.locator('[data-testid="city-table"] .ant-table-tbody tr.ant-table-row').count();
    const cities = role === 'admin' || role === 'province' ? 16 : 1;
    check(rows === cities, `the city table has ${rows} rows, not ${cities}`);
  };
  // The webhook page: plain words first, the technical details folded until asked for.
  const webhookCheck = async (page, kind, role) => {
    await page.getByTestId('webhook-intro').getByText('本系统在申报状态变化时自动通知贵单位的业务系统').waitFor();
    check(!(await page.getByText('HMAC-SHA256').first().isVisible().catch(() => false)), 'HMAC shows before the technical notes are opened');
    await page.getByRole('button', { name: '技术说明（供贵单位技术人员）' }).click();
    await page.getByTestId('webhook-tech').getByText('HMAC-SHA256').first().waitFor();
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(SHOTS, `p-${role}-webhook-tech-${kind}.png`), fullPage: true });
    await fits(page, kind, role, { name: 'webhook-tech', path: '/webhook (技术说明 open)' });
  };
  const reviewerRoutes = (d) => [
    R('pending', '/pending', '[data-testid="pending"] .ant-table-tbody'),
    R('all', '/all', '[data-testid="all-declarations"] .ant-table-tbody'),
    R('overview', '/overview', '[data-testid="chart-state"] canvas', overviewCheck),
    R('rounds', '/rounds', '[data-testid="rounds"] .ant-table-tbody'),
    R('rounds-id', `/rounds/${round}`, '[data-testid="round-title"]'),
    R('d', `/d/${d}`, '[data-testid="decl-state"]'),
    R('d-history', `/d/${d}/history`, '[data-testid^="history-"]'),
    R('inbox', '/inbox', '[data-testid="inbox-unread"][data-count]:not([data-count=""])'),
  ];
  const ROLES = {
    applicant: [
      R('mine', '/mine', '[data-testid="my-declarations"] .ant-table-tbody'),
      R('new-morning_star', '/new/morning_star', '[data-testid="criterion-MS72"]'),
      R('new-industry_brain', '/new/industry_brain', '[data-testid="indicator-L5P5"], [data-testid="no-open-round"]'),
      R('d', `/d/${d1}`, '[data-testid="decl-state"]'),
      R('d-edit', `/d/${d3}/edit`, '[data-testid="title"]'),
      R('d-history', `/d/${d1}/history`, '[data-testid^="history-"]'),
      R('inbox', '/inbox', '[data-testid="inbox-unread"][data-count]:not([data-count=""])'),
      R('webhook', '/webhook', '[data-testid="webhook-url"]', webhookCheck),
      R('rounds', '/rounds', '[data-testid="rounds"] .ant-table-tbody'),
      R('rounds-id', `/rounds/${round}`, '[data-testid="round-title"]'),
    ],
    county: reviewerRoutes(d2),
    city: [
      ...reviewerRoutes(d1),
      R('ranking', '/ranking', '[data-testid="ranking-rounds"] .ant-table-tbody'),
      R('rounds-id-cities', `/rounds/${round}/cities/${CITY}`, '[data-testid="ranking-table"]'),
    ],
    province: [...reviewerRoutes(d1), R('objections', '/objections', '[data-testid="objections"]')],
    expert: [R('reviews', '/reviews', '[data-testid="assigned"]')],
    admin: [
      R('objections', '/objections', '[data-testid="objections"]'),
      R('overview', '/overview', '[data-testid="chart-state"] canvas', overviewCheck),
      R('rounds', '/rounds', '[data-testid="rounds"] .ant-table-tbody'),
      R('rounds-new', '/rounds/new', '[data-testid="quota-370100"]'),
      R('rounds-id-edit', `/rounds/${round}/edit`, '[data-testid="quota-370100"]'),
      R('all', '/all', '[data-testid="all-declarations"] .ant-table-tbody'),
    ],
  };
  // The entries of each role's menu, as the drawer lists them.
  const MENU = {
    applicant: ['我的申报', '消息', 'Webhook 设置'],
    county: ['待审队列', '申报批次', '辖区申报', '统计概览', '消息'],
    city: ['待审队列', '本市推荐排序', '申报批次', '辖区申报', '统计概览', '消息'],
    province: ['待审队列', '公示异议', '申报批次', '辖区申报', '统计概览', '消息'],
    expert: ['待评审', '消息'],
    admin: ['公示异议', '申报批次', '辖区申报', '统计概览'],
  };

  for (const kind of ['phone', 'desktop']) {
    await step(`the sign-in page at ${kind === 'phone' ? '390×844 fits' : '1366×768'}`, async () => {
      const context = await browser.newContext({ ...VIEWPORTS[kind], locale: 'zh-CN' });
      const page = await context.newPage();
      page.setDefaultTimeout(T);
      await page.goto(`${BASE}/#/`);
      await settle(page, '[data-testid="sign-in"]');
      await page.screenshot({ path: path.join(SHOTS, `p-anon-sign-in-${kind}.png`), fullPage: true });
      await fits(page, kind, 'anon', { name: 'sign-in', path: '/ (sign-in)' });
      await page.goto(`${BASE}/#/public`);
      await settle(page, '[data-testid="public-notices"] .ant-table-tbody');
      await page.screenshot({ path: path.join(SHOTS, `p-anon-public-${kind}.png`), fullPage: true });
      await fits(page, kind, 'anon', { name: 'public', path: '/public' });
      await context.close();
    });
  }

  await step('统计概览 of a jurisdiction with nothing in it says 暂无数据 instead of an empty pie', async () => {
    const { context, page } = await browse(await token({ role: 'reviewer', tier: 'city', region: '371700' }), 'phone');
    await page.goto(`${BASE}/#/overview`);
    await settle(page, '[data-testid="chart-state"] canvas');
    await page.getByTestId('chart-tier-empty').locator('.ant-empty-description', { hasText: '暂无数据' }).waitFor();
    check(!(await page.getByTestId('chart-tier').count()), 'an empty pie is drawn');
    const rows = await page.locator('[data-testid="city-table"] .ant-table-tbody tr.ant-table-row').allTextContents();
    check(rows.length === 1 && rows[0].includes('菏泽市') && rows[0].endsWith('0'), `the city table reads ${JSON.stringify(rows)}`);
    await page.screenshot({ path: path.join(SHOTS, 'p-city371700-overview-empty-phone.png'), fullPage: true });
    await fits(page, 'phone', 'city 371700', { name: 'overview', path: '/overview' });
    await context.close();
  });

  for (const [role, routes] of Object.entries(ROLES)) {
    for (const kind of ['phone', 'desktop']) {
      const { context, page } = await browse(tok[role], kind);
      for (const route of routes) {
        await step(`${role} ${route.path} at ${kind === 'phone' ? '390×844' : '1366×768'}${kind === 'phone' ? ' fits' : ''}`,
          () => visit(role, kind, page, route));
      }
      if (kind === 'phone') {
        await step(`${role}: on the phone, 菜单 opens a drawer with the role's entries; who and 退出 stay in view`, async () => {
          await page.goto(`${BASE}/#${routes[0].path}`);
          await settle(page, routes[0].ready);
          check(!(await page.locator('.nav-wide').isVisible()), 'the horizontal menu shows on the phone');
          for (const id of ['who', 'sign-out', 'nav-open']) {
            const b = await page.getByTestId(id).boundingBox();
            check(b && b.x >= 0 && b.x + b.width <= 391 && b.width > 0, `${id} is not in view: ${JSON.stringify(b)}`);
          }
          const button = page.getByTestId('nav-open');
          check((await button.getAttribute('aria-label')) === '打开菜单', 'the 菜单 button has no aria-label');
          await button.focus();
          await page.keyboard.press('Enter'); // by keyboard
          const drawer = page.getByRole('dialog', { name: '菜单' });
          await drawer.waitFor();
          check((await button.getAttribute('aria-expanded')) === 'true', 'aria-expanded is not true while open');
          const controls = await button.getAttribute('aria-controls');
          check(controls && (await drawer.getAttribute('id')) === controls, `aria-controls=${controls} does not name the drawer`);
          const entries = (await drawer.getByRole('menuitem').allTextContents()).map((s) => s.trim());
          check(JSON.stringify(entries) === JSON.stringify(MENU[role]), `the drawer lists ${JSON.stringify(entries)}, not ${JSON.stringify(MENU[role])}`);
          await page.waitForTimeout(400); // the slide-in
          await page.screenshot({ path: path.join(SHOTS, `p-${role}-drawer-phone.png`) });
          await page.keyboard.press('Escape');
          await drawer.waitFor({ state: 'hidden' });
          await page.waitForFunction(() => document.activeElement?.getAttribute('data-testid') === 'nav-open', null, { timeout: 3000 })
            .catch(() => { throw new Error('focus did not return to 菜单 after Escape'); });
          // An entry takes you there and closes the drawer.
          const last = MENU[role][MENU[role].length - 1];
          await button.click();
          await drawer.getByRole('menuitem', { name: last }).click();
          await drawer.waitFor({ state: 'hidden' });
          const hash = { 消息: '#/inbox', 统计概览: '#/overview', 'Webhook 设置': '#/webhook' }[last];
          check(page.url().endsWith(hash), `${last} led to ${page.url()}`);
        });
      }
      if (kind === 'desktop' && role !== 'admin') {
        await step(`${role}: the header badge says the inbox page's unread count; 全部标为已读 takes both to 0`, async () => {
          await page.goto(`${BASE}/#/inbox`);
          await settle(page, '[data-testid="inbox-unread"][data-count]:not([data-count=""])');
          const api = (await must(tok[role], 'GET', '/v1/notifications?limit=1')).body.unread;
          const onPage = Number(await page.getByTestId('inbox-unread').getAttribute('data-count'));
          const badge = Number(await page.getByTestId('unread-badge').getAttribute('data-count'));
          check(onPage === api && badge === api, `the server says ${api} unread, the page ${onPage}, the badge ${badge}`);
          if (role === 'applicant') check(api > 20, `only ${api} unread: expected more than one page of 20`);
          if (api > 0) {
            check(await page.locator('[data-testid="unread-badge"] .ant-badge').isVisible(), 'no badge is shown');
            if (api > 1) { // one 标为已读: both say one fewer at once
              await page.locator('[data-testid="notification"]').getByRole('button', { name: /^将/ }).first().click();
              await page.locator(`[data-testid="inbox-unread"][data-count="${api - 1}"]`).waitFor();
              await page.locator(`[data-testid="unread-badge"][data-count="${api - 1}"]`).waitFor({ state: 'attached' });
            }
            await page.getByTestId('inbox-read-all').click();
            await page.locator('[data-testid="inbox-unread"][data-count="0"]').waitFor();
            await page.locator('[data-testid="unread-badge"][data-count="0"]').waitFor({ state: 'attached' });
            check(!(await page.locator('[data-testid="unread-badge"] .ant-badge').count()), 'the badge still shows after 全部标为已读');
            check((await page.locator('[data-testid="notification"] button').count()) === 0, 'a notification still offers 标为已读');
            const after = (await must(tok[role], 'GET', '/v1/notifications?limit=1')).body.unread;
            check(after === 0, `the server still counts ${after} unread`);
            await page.screenshot({ path: path.join(SHOTS, `p-${role}-inbox-read-desktop.png`), fullPage: true });
          }
        });
      }
      await context.close();
    }
  }
} catch (e) {
  console.log(`stopped: ${e.message}`);
  code = 1;
} finally {
  await browser.close();
}
console.log(`screenshots in ${SHOTS}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(code || (failed ? 1 : 0));
