// #/trails/<Name>: status (refreshed every 5 s), settings, logging on/off, delete, event selectors, integrity.
import { api, getJson, postJson, getRegion, setRegion, currentSession } from './api.js';
import { el, clear, fmtTime, yesNo, toLocalInput, fromLocalInput, describeError } from './format.js';
import { navigate } from './router.js';
import { createSelectorEditor, DEFAULT_EVENT_SELECTORS } from './selectors.js';

const REFRESH_MS = 5000;
const STATUS_FIELDS = [
  ['IsLogging', 'Logging'],
  ['LatestDeliveryTime', 'Last log file delivered'],
  ['LatestDeliveryError', 'Last delivery error'],
  ['LatestDigestDeliveryTime', 'Last digest file delivered'],
  ['LatestDigestDeliveryError', 'Last digest error'],
  ['StartLoggingTime', 'Logging started'],
  ['StopLoggingTime', 'Logging stopped'],
];
const SETTINGS = [
  ['TrailARN', 'Trail ARN'],
  ['HomeRegion', 'Home region'],
  ['S3BucketName', 'S3 bucket'],
  ['S3KeyPrefix', 'S3 key prefix'],
  ['IsMultiRegionTrail', 'Multi-region trail'],
  ['IncludeGlobalServiceEvents', 'Global service events'],
  ['LogFileValidationEnabled', 'Log file validation'],
  ['KmsKeyId', 'KMS key'],
  ['SnsTopicARN', 'SNS topic'],
  ['CloudWatchLogsLogGroupArn', 'CloudWatch Logs log group'],
  ['HasCustomEventSelectors', 'Custom event selectors'],
  ['HasInsightSelectors', 'Insights'],
  ['IsOrganizationTrail', 'Organization trail'],
];

export function mount(main, { key, params }) {
  const trailName = key;
  const wantRegion = params.get('region');
  if (wantRegion && currentSession() && (currentSession().regions || []).includes(wantRegion) && wantRegion !== getRegion()) {
    setRegion(wantRegion);
    const sel = document.getElementById('region-select');
    if (sel) sel.value = wantRegion;
  }
  let alive = true;
  let trail = null;
  let timer = null;
  let lastChainJson = '';

  const statusDl = el('dl', { id: 'trail-status', class: 'kv status-list' });
  const statusDd = {};
  for (const [f, label] of STATUS_FIELDS) {
    statusDd[f] = el('dd', { dataset: { field: f }, text: '…' });
    statusDl.append(el('dt', { text: label }), statusDd[f]);
  }
  const settingsDl = el('dl', { id: 'trail-settings', class: 'kv' });
  const pageError = el('div', { class: 'error', role: 'alert', hidden: true });
  const updated = el('p', { class: 'muted small', role: 'status' });
  const refreshButton = el('button', { id: 'refresh-status', type: 'button', class: 'secondary', text: 'Refresh' });
  const startButton = el('button', { id: 'start-logging', type: 'button', class: 'primary', hidden: true, text: 'Start logging' });
  const stopButton = el('button', { id: 'stop-logging', type: 'button', class: 'secondary', hidden: true, text: 'Stop logging' });
  const deleteButton = el('button', { id: 'delete-trail', type: 'button', class: 'danger', text: 'Delete trail' });

  // delete confirmation
  const confirmYes = el('button', { id: 'confirm-delete-yes', type: 'button', class: 'danger', text: 'Delete' });
  const confirmNo = el('button', { id: 'confirm-delete-no', type: 'button', class: 'secondary', text: 'Cancel' });
  const confirmError = el('div', { class: 'error', role: 'alert', hidden: true });
  const dialog = el('dialog', { id: 'confirm-delete', 'aria-labelledby': 'confirm-delete-title' },
    el('h2', { id: 'confirm-delete-title', text: 'Delete trail?' }),
    el('p', { text: `The trail ${trailName} stops logging and is deleted. Its bucket and the log files already delivered are kept.` }),
    confirmError,
    el('div', { class: 'actions' }, confirmYes, confirmNo));

  // selectors
  const editor = createSelectorEditor();
  const saveSelectors = el('button', { id: 'save-selectors', type: 'button', class: 'primary', text: 'Save event selectors' });
  const selectorsError = el('div', { id: 'selectors-error', class: 'error', role: 'alert', hidden: true });
  const selectorsSaved = el('p', { id: 'selectors-saved', class: 'success', role: 'status' });
  const selectorsLoading = el('p', { class: 'muted small', text: 'Loading event selectors…' });

  // integrity
  const chainBody = el('tbody');
  const chainStatus = el('p', { class: 'muted small', role: 'status' });
  const now = Math.floor(Date.now() / 1000);
  const vStart = el('input', { id: 'validate-start', type: 'datetime-local', step: '1', value: toLocalInput(now - 86400) });
  const vEnd = el('input', { id: 'validate-end', type: 'datetime-local', step: '1', value: toLocalInput(now) });
  const vSubmit = el('button', { id: 'validate-submit', type: 'submit', class: 'primary', text: 'Validate log files' });
  const vExit = el('span', { id: 'validate-exit', class: 'exit' });
  const vOutput = el('pre', { id: 'validate-output', class: 'output', tabindex: '0', hidden: true });
  const vError = el('div', { class: 'error', role: 'alert', hidden: true });
  const vResult = el('p', { class: 'validate-result', hidden: true }, 'Result: ', vExit);
  const validateForm = el('form', { id: 'validate-form', class: 'inline-form' },
    el('div', { class: 'field inline' }, el('label', { for: 'validate-start', text: 'From (UTC)' }), vStart),
    el('div', { class: 'field inline' }, el('label', { for: 'validate-end', text: 'To (UTC)' }), vEnd),
    vSubmit);
  const integrity = el('section', { id: 'digest-chain', class: 'card', hidden: true, 'aria-labelledby': 'digest-chain-title' },
    el('h2', { id: 'digest-chain-title', text: 'Log file integrity' }),
    el('div', { class: 'table-wrap' },
      el('table', { class: 'data-table', id: 'digest-table' },
        el('caption', { class: 'visually-hidden', text: 'Digest files, newest first' }),
        el('thead', {}, el('tr', {}, ['Delivered', 'Period', 'Log files', 'Digest key'].map((t) => el('th', { scope: 'col', text: t })))),
        chainBody)),
    chainStatus,
    el('h3', { text: 'Validate log files' }),
    validateForm,
    vError,
    vResult,
    vOutput);

  const title = el('h1', { text: trailName });
  const section = el('section', { id: 'trail-detail', class: 'page' },
    el('p', { class: 'breadcrumb' }, el('a', { href: '#/trails', text: 'Trails' }), ' / ', trailName),
    el('div', { class: 'page-head' }, title,
      el('div', { class: 'head-actions' }, refreshButton, startButton, stopButton, deleteButton)),
    pageError,
    el('div', { class: 'detail-grid' },
      el('section', { class: 'card', 'aria-labelledby': 'status-title' },
        el('h2', { id: 'status-title', text: 'Status' }), statusDl, updated),
      el('section', { class: 'card', 'aria-labelledby': 'settings-title' },
        el('h2', { id: 'settings-title', text: 'Settings' }), settingsDl)),
    el('section', { class: 'card', id: 'selectors', 'aria-labelledby': 'selectors-title' },
      el('h2', { id: 'selectors-title', text: 'Event selectors' }),
      selectorsLoading, editor.element, selectorsError,
      el('div', { class: 'actions' }, saveSelectors, selectorsSaved)),
    integrity,
    dialog);
  main.append(section);

  const nameArg = () => (trail && trail.TrailARN) || trailName;

  function showError(err) {
    pageError.textContent = describeError(err);
    pageError.hidden = false;
  }

  function renderStatus(s) {
    for (const [f] of STATUS_FIELDS) {
      const dd = statusDd[f];
      const v = s[f];
      dd.classList.remove('text-error');
      if (f === 'IsLogging') {
        clear(dd).append(el('span', { class: ['badge', v ? 'ok' : 'off'], text: v ? 'Yes' : 'No' }));
      } else if (f.endsWith('Error')) {
        dd.textContent = v || 'None';
        if (v) dd.classList.add('text-error');
      } else {
        dd.textContent = fmtTime(v, 'Never');
      }
    }
    startButton.hidden = !!s.IsLogging;
    stopButton.hidden = !s.IsLogging;
  }

  function renderSettings(t) {
    clear(settingsDl);
    for (const [f, label] of SETTINGS) {
      let v = t[f];
      if (v === undefined || v === null || v === '') {
        if (['S3KeyPrefix', 'KmsKeyId', 'SnsTopicARN', 'CloudWatchLogsLogGroupArn'].includes(f)) v = '—';
        else if (typeof v !== 'boolean') continue;
      }
      if (typeof v === 'boolean') v = f === 'LogFileValidationEnabled' ? (v ? 'Enabled' : 'Disabled') : yesNo(v);
      settingsDl.append(el('dt', { text: label }), el('dd', { dataset: { field: f }, class: f.endsWith('ARN') || f === 'KmsKeyId' ? 'break mono' : null, text: String(v) }));
    }
  }

  async function loadChain() {
    if (!trail || !trail.LogFileValidationEnabled) { integrity.hidden = true; return; }
    integrity.hidden = false;
    try {
      const res = await getJson('/console/chain', { trail: trail.TrailARN, region: getRegion() || '' });
      if (!alive) return;
      const json = JSON.stringify(res);
      if (json === lastChainJson) return;
      lastChainJson = json;
      const digests = res.digests || [];
      const frag = document.createDocumentFragment();
      for (const d of digests) {
        frag.append(el('tr', {},
          el('td', { class: 'nowrap', text: fmtTime(d.time) }),
          el('td', { class: 'nowrap', text: `${fmtTime(d.start)} – ${fmtTime(d.end)}` }),
          el('td', { class: 'num', text: String(d.logFiles ?? '—') }),
          el('td', { class: 'mono break', text: d.key || '—' })));
      }
      clear(chainBody).append(frag);
      const parts = [];
      parts.push(digests.length ? `${digests.length} newest digest file${digests.length === 1 ? '' : 's'}.` : 'No digest file delivered yet.');
      if (res.latestDigestDeliveryError) parts.push(`Last digest error: ${res.latestDigestDeliveryError}`);
      chainStatus.textContent = parts.join(' ');
    } catch (e) {
      if (!alive) return;
      chainStatus.textContent = `Could not load the digest chain: ${describeError(e)}`;
    }
  }

  async function refresh() {
    try {
      const [t, s] = await Promise.all([
        api('GetTrail', { Name: nameArg() }),
        api('GetTrailStatus', { Name: nameArg() }),
      ]);
      if (!alive) return;
      trail = t.Trail || trail;
      if (trail) renderSettings(trail);
      renderStatus(s);
      pageError.hidden = true;
      updated.textContent = `Updated ${fmtTime(Date.now() / 1000)} · refreshes every 5 s`;
      loadChain();
    } catch (e) {
      if (!alive) return;
      showError(e);
    }
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      if (!alive) return;
      if (document.visibilityState === 'visible') await refresh();
      if (alive) schedule();
    }, REFRESH_MS);
  }

  async function loadSelectors() {
    try {
      const res = await api('GetEventSelectors', { TrailName: nameArg() });
      if (!alive) return;
      editor.set(res);
      selectorsLoading.hidden = true;
    } catch (e) {
      if (!alive) return;
      selectorsLoading.textContent = `Could not load the event selectors: ${describeError(e)}`;
    }
  }

  refreshButton.addEventListener('click', async () => {
    refreshButton.disabled = true;
    await refresh();
    refreshButton.disabled = false;
    schedule();
  });

  async function setLogging(on) {
    const btn = on ? startButton : stopButton;
    btn.disabled = true;
    try {
      await api(on ? 'StartLogging' : 'StopLogging', { Name: nameArg() });
      await refresh();
      (on ? stopButton : startButton).focus();
    } catch (e) {
      if (alive) showError(e);
    } finally {
      btn.disabled = false;
    }
  }
  startButton.addEventListener('click', () => setLogging(true));
  stopButton.addEventListener('click', () => setLogging(false));

  deleteButton.addEventListener('click', () => {
    confirmError.hidden = true;
    if (typeof dialog.showModal === 'function') dialog.showModal(); else dialog.setAttribute('open', '');
    confirmNo.focus();
  });
  confirmNo.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => { if (alive) deleteButton.focus(); });
  confirmYes.addEventListener('click', async () => {
    confirmYes.disabled = true;
    try {
      await api('DeleteTrail', { Name: nameArg() });
      if (!alive) return;
      alive = false; // no more refreshes of a deleted trail
      dialog.close();
      navigate('#/trails');
    } catch (e) {
      confirmError.textContent = describeError(e);
      confirmError.hidden = false;
    } finally {
      confirmYes.disabled = false;
    }
  });

  saveSelectors.addEventListener('click', async () => {
    saveSelectors.disabled = true;
    selectorsError.hidden = true;
    selectorsSaved.textContent = '';
    try {
      const body = editor.get() || DEFAULT_EVENT_SELECTORS;
      const res = await api('PutEventSelectors', { TrailName: nameArg(), ...body });
      if (!alive) return;
      editor.set(res);
      selectorsSaved.textContent = `Event selectors saved at ${fmtTime(Date.now() / 1000)}.`;
      refresh();
    } catch (e) {
      if (!alive) return;
      selectorsError.textContent = describeError(e);
      selectorsError.hidden = false;
    } finally {
      saveSelectors.disabled = false;
    }
  });

  validateForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!trail) return;
    vSubmit.disabled = true;
    vSubmit.textContent = 'Validating…';
    vError.hidden = true;
    vExit.textContent = '';
    vExit.className = 'exit';
    vOutput.hidden = true;
    vResult.hidden = true;
    // The region whose chain the page shows: a multi-region trail keeps one per region.
    const body = { TrailARN: trail.TrailARN, StartTime: fromLocalInput(vStart.value), Region: getRegion() || '' };
    const end = fromLocalInput(vEnd.value);
    if (end != null) body.EndTime = end;
    try {
      const res = await postJson('/console/validate', body);
      if (!alive) return;
      const code = res.exitCode;
      vExit.textContent = code === 0 ? 'valid' : code === 1 ? 'INVALID' : 'error';
      vExit.classList.add(code === 0 ? 'ok' : 'bad');
      vOutput.textContent = [res.output || '', res.errors || ''].filter(Boolean).join(res.output && !res.output.endsWith('\n') ? '\n' : '');
      vOutput.hidden = false;
      vResult.hidden = false;
    } catch (err) {
      if (!alive) return;
      vError.textContent = describeError(err);
      vError.hidden = false;
    } finally {
      vSubmit.disabled = false;
      vSubmit.textContent = 'Validate log files';
    }
  });

  refresh().then(() => {
    if (!alive) return;
    loadSelectors();
    schedule();
  });

  return {
    unmount() {
      alive = false;
      clearTimeout(timer);
      if (dialog.open) dialog.close();
    },
  };
}
