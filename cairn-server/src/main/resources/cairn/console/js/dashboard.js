// #/dashboard: newest events, trail status, events per minute. Refreshed every 10 s while shown.
import { api, getJson, getRegion, currentSession } from './api.js';
import { el, svg, clear, fmtTime, fmtClock, yesNo, enc, describeError } from './format.js';

const REFRESH_MS = 10_000;

export function mount(main) {
  const recentBody = el('tbody');
  const recentStatus = el('p', { class: 'muted small', role: 'status' });
  const trailBody = el('tbody');
  const trailStatus = el('p', { class: 'muted small', role: 'status' });
  const chart = el('div', { id: 'events-per-minute', class: 'epm-chart' });
  const epmCurrent = el('span', { id: 'epm-current', class: 'epm-current', text: '–' });
  const chartAxis = el('div', { class: 'epm-axis muted small' });
  const error = el('div', { class: 'error', role: 'alert', hidden: true });
  const updated = el('p', { class: 'muted small updated' });

  const section = el('section', { id: 'dashboard', class: 'page' },
    el('div', { class: 'page-head' }, el('h1', { text: 'Dashboard' }), updated),
    error,
    el('div', { class: 'dash-grid' },
      el('div', { class: 'card epm-card' },
        el('h2', { text: 'Events per minute' }),
        el('p', { class: 'epm-summary' }, epmCurrent, el('span', { class: 'muted', text: ' events in the last whole minute' })),
        chart, chartAxis),
      el('div', { class: 'card' },
        el('div', { class: 'card-head' }, el('h2', { text: 'Recent events' }), el('a', { href: '#/history', text: 'View event history' })),
        el('div', { class: 'table-wrap' },
          el('table', { id: 'recent-events', class: 'data-table' },
            el('caption', { class: 'visually-hidden', text: 'The 10 newest events' }),
            el('thead', {}, el('tr', {}, ['Event time', 'Event name', 'User name', 'Event source'].map((t) => el('th', { scope: 'col', text: t })))),
            recentBody)),
        recentStatus),
      el('div', { class: 'card wide' },
        el('div', { class: 'card-head' }, el('h2', { text: 'Trails' }), el('a', { href: '#/trails', text: 'Manage trails' })),
        el('div', { class: 'table-wrap' },
          el('table', { id: 'trail-status', class: 'data-table' },
            el('caption', { class: 'visually-hidden', text: 'Status of the trails' }),
            el('thead', {}, el('tr', {}, ['Name', 'Home region', 'Logging', 'Last delivery', 'Last digest', 'Last error'].map((t) => el('th', { scope: 'col', text: t })))),
            trailBody)),
        trailStatus)));
  main.append(section);

  let timer = null;
  let alive = true;
  let controller = null;

  async function loadRecent(signal) {
    const res = await api('LookupEvents', { MaxResults: 50 }, { signal });
    if (!alive) return;
    // This page's own refreshes are recorded too; they would crowd out everything else here.
    const ownKey = (currentSession() || {}).accessKeyId;
    const events = (res.Events || []).filter((ev) => !(ownKey && ev.AccessKeyId === ownKey && ev.ReadOnly === 'true'))
      .slice(0, 10);
    const frag = document.createDocumentFragment();
    for (const ev of events) {
      frag.append(el('tr', { dataset: { eventId: ev.EventId } },
        el('td', { class: 'nowrap', text: fmtTime(ev.EventTime) }),
        el('td', {}, el('a', { href: `#/history?event=${enc(ev.EventId)}`, text: ev.EventName || '(unnamed)' })),
        el('td', { text: ev.Username || '—' }),
        el('td', { text: ev.EventSource || '—' })));
    }
    clear(recentBody).append(frag);
    recentStatus.textContent = events.length ? '' : 'No events yet in this region.';
  }

  async function loadTrails(signal) {
    const res = await api('DescribeTrails', {}, { signal });
    const list = res.trailList || [];
    const statuses = await Promise.all(list.map((t) =>
      api('GetTrailStatus', { Name: t.TrailARN || t.Name }, { signal }).catch((e) => ({ __error: describeError(e) }))));
    if (!alive) return;
    const region = getRegion();
    const frag = document.createDocumentFragment();
    list.forEach((t, i) => {
      const s = statuses[i] || {};
      const lastError = s.__error || s.LatestDeliveryError || s.LatestDigestDeliveryError || '';
      const href = `#/trails/${encodeURIComponent(t.Name)}` + (t.HomeRegion && t.HomeRegion !== region ? `?region=${enc(t.HomeRegion)}` : '');
      frag.append(el('tr', { dataset: { trail: t.Name } },
        el('td', { dataset: { field: 'Name' } }, el('a', { href, text: t.Name })),
        el('td', { dataset: { field: 'HomeRegion' }, text: t.HomeRegion || '—' }),
        el('td', { dataset: { field: 'IsLogging' } }, s.__error ? '—'
          : el('span', { class: ['badge', s.IsLogging ? 'ok' : 'off'], text: yesNo(!!s.IsLogging) })),
        el('td', { class: 'nowrap', dataset: { field: 'LatestDeliveryTime' }, text: fmtTime(s.LatestDeliveryTime, 'Never') }),
        el('td', { class: 'nowrap', dataset: { field: 'LatestDigestDeliveryTime' }, text: fmtTime(s.LatestDigestDeliveryTime, 'Never') }),
        el('td', { dataset: { field: 'LatestDeliveryError' }, class: lastError ? 'text-error' : null, text: lastError || 'None' })));
    });
    clear(trailBody).append(frag);
    trailStatus.textContent = list.length ? '' : 'No trails in this region. ';
    if (!list.length) trailStatus.append(el('a', { href: '#/trails', text: 'Create a trail' }));
  }

  async function loadStats(signal) {
    const res = await getJson('/console/stats', { minutes: '30', region: getRegion() || '' }, { signal });
    if (!alive) return;
    drawChart(res.minutes || [], !!res.capped);
  }

  function drawChart(minutes, capped) {
    const W = 600;
    const H = 140;
    const n = Math.max(minutes.length, 1);
    const max = Math.max(1, ...minutes.map((m) => m.count || 0));
    const gap = n > 60 ? 1 : 2;
    const bw = W / n;
    const graph = svg('svg', { viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'none', class: 'epm-svg', role: 'img', focusable: 'false' });
    for (const y of [0.25, 0.5, 0.75]) graph.append(svg('line', { x1: 0, x2: W, y1: H * y, y2: H * y, class: 'grid' }));
    const lastIndex = minutes.length - 1;
    minutes.forEach((m, i) => {
      const h = m.count ? Math.max(2, (m.count / max) * (H - 4)) : 0;
      const rect = svg('rect', {
        x: (i * bw + gap / 2).toFixed(2), y: (H - h).toFixed(2), width: Math.max(1, bw - gap).toFixed(2), height: h.toFixed(2),
        class: i === lastIndex ? 'bar current' : 'bar',
      });
      rect.append(svg('title', { text: `${fmtClock(m.start)} UTC: ${m.count} event${m.count === 1 ? '' : 's'}${i === lastIndex ? ' (minute in progress)' : ''}` }));
      graph.append(rect);
    });
    const lastWhole = minutes.length >= 2 ? minutes[minutes.length - 2] : null;
    epmCurrent.textContent = lastWhole ? String(lastWhole.count) : '0';
    const total = minutes.reduce((a, m) => a + (m.count || 0), 0);
    graph.setAttribute('aria-label', `Events per minute over the last ${Math.max(0, minutes.length - 1)} minutes: ${total} in total, at most ${max} in one minute.`);
    clear(chart).append(graph);
    clear(chartAxis);
    if (minutes.length) {
      chartAxis.append(el('span', { text: `${fmtClock(minutes[0].start)} UTC` }),
        el('span', { text: `max ${max}/min${capped ? ' (capped)' : ''}` }),
        el('span', { text: 'now' }));
    }
  }

  async function refresh() {
    if (controller) controller.abort();
    controller = new AbortController();
    const { signal } = controller;
    const results = await Promise.allSettled([loadRecent(signal), loadTrails(signal), loadStats(signal)]);
    if (!alive || signal.aborted) return;
    const failures = results.filter((r) => r.status === 'rejected' && r.reason && r.reason.name !== 'AbortError');
    if (failures.length) {
      error.textContent = failures.map((f) => describeError(f.reason)).filter((v, i, a) => a.indexOf(v) === i).join(' ');
      error.hidden = false;
    } else {
      error.hidden = true;
    }
    updated.textContent = `Updated ${fmtTime(Date.now() / 1000)} · refreshes every 10 s`;
  }

  function schedule() {
    timer = setTimeout(async () => {
      if (!alive) return;
      if (document.visibilityState === 'visible') await refresh();
      if (alive) schedule();
    }, REFRESH_MS);
  }

  refresh().then(() => { if (alive) schedule(); });

  return {
    unmount() {
      alive = false;
      clearTimeout(timer);
      if (controller) controller.abort();
    },
  };
}
