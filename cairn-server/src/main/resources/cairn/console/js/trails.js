// #/trails: the region's trails, and the create-trail form.
import { api, getRegion } from './api.js';
import { el, clear, yesNo, enc, describeError } from './format.js';
import { navigate } from './router.js';
import { createSelectorEditor } from './selectors.js';

export function trailHref(t, region = getRegion()) {
  return `#/trails/${encodeURIComponent(t.Name)}` + (t.HomeRegion && region && t.HomeRegion !== region ? `?region=${enc(t.HomeRegion)}` : '');
}

/** `Key=Value` per line → TagsList */
export function parseTags(text) {
  const tags = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line) continue;
    const i = line.indexOf('=');
    if (i < 0) tags.push({ Key: line });
    else tags.push({ Key: line.slice(0, i).trim(), Value: line.slice(i + 1).trim() });
  }
  return tags;
}

export function mount(main, { params }) {
  let alive = true;
  const tbody = el('tbody');
  const status = el('p', { class: 'status', role: 'status', text: 'Loading…' });
  const listError = el('div', { class: 'error', role: 'alert', hidden: true });
  const createButton = el('button', { id: 'create-trail-button', type: 'button', class: 'primary', 'aria-expanded': 'false', 'aria-controls': 'create-trail-form', text: 'Create trail' });

  // ----- create form -----
  const name = el('input', { id: 'trail-name', name: 'Name', type: 'text', required: true, spellcheck: 'false', autocomplete: 'off', maxlength: '128' });
  const bucket = el('input', { id: 'trail-bucket', name: 'S3BucketName', type: 'text', required: true, spellcheck: 'false', autocomplete: 'off' });
  const prefix = el('input', { id: 'trail-prefix', name: 'S3KeyPrefix', type: 'text', spellcheck: 'false', autocomplete: 'off' });
  const multi = el('input', { id: 'trail-multi-region', type: 'checkbox' });
  const global = el('input', { id: 'trail-global', type: 'checkbox', checked: true });
  const validation = el('input', { id: 'trail-validation', type: 'checkbox' });
  const kms = el('input', { id: 'trail-kms', type: 'text', spellcheck: 'false', autocomplete: 'off' });
  const tags = el('textarea', { id: 'trail-tags', rows: '3', spellcheck: 'false', placeholder: 'team=security\nenv=prod' });
  const startLogging = el('input', { id: 'trail-start-logging', type: 'checkbox', checked: true });
  const submit = el('button', { id: 'create-trail-submit', type: 'submit', class: 'primary', text: 'Create trail' });
  const cancel = el('button', { type: 'button', class: 'secondary', text: 'Cancel' });
  const createError = el('div', { id: 'create-trail-error', class: 'error', role: 'alert', hidden: true });
  const editor = createSelectorEditor();
  const check = (input, text) => el('div', { class: 'field check-field' }, el('label', { class: 'check', for: input.id }, input, ` ${text}`));
  const form = el('form', { id: 'create-trail-form', class: 'card form', hidden: true, 'aria-labelledby': 'create-trail-title' },
    el('h2', { id: 'create-trail-title', text: 'Create trail' }),
    el('div', { class: 'form-grid' },
      el('div', { class: 'field' }, el('label', { for: 'trail-name', text: 'Trail name' }), name,
        el('p', { class: 'hint', text: '3–128 letters, digits, periods, underscores or hyphens.' })),
      el('div', { class: 'field' }, el('label', { for: 'trail-bucket', text: 'S3 bucket name' }), bucket),
      el('div', { class: 'field' }, el('label', { for: 'trail-prefix', text: 'S3 key prefix (optional)' }), prefix),
      el('div', { class: 'field' }, el('label', { for: 'trail-kms', text: 'KMS key ID (optional)' }), kms)),
    el('div', { class: 'checks' },
      check(multi, 'Multi-region trail (log events of every region)'),
      check(global, 'Include global service events'),
      check(validation, 'Enable log file validation (digest files)'),
      check(startLogging, 'Start logging after creating the trail')),
    el('div', { class: 'field' }, el('label', { for: 'trail-tags', text: 'Tags (optional, one Key=Value per line)' }), tags),
    editor.element,
    createError,
    el('div', { class: 'actions' }, submit, cancel));

  const section = el('section', { id: 'trails', class: 'page' },
    el('div', { class: 'page-head' }, el('h1', { text: 'Trails' }), el('div', { class: 'head-actions' }, createButton)),
    form,
    listError,
    el('div', { class: 'table-wrap' },
      el('table', { id: 'trails-table', class: 'data-table' },
        el('caption', { class: 'visually-hidden', text: 'Trails of this region' }),
        el('thead', {}, el('tr', {}, ['Name', 'Home region', 'S3 bucket', 'Multi-region', 'Log file validation', 'Logging']
          .map((t) => el('th', { scope: 'col', text: t })))),
        tbody)),
    status);
  main.append(section);

  function showForm(open) {
    form.hidden = !open;
    createButton.setAttribute('aria-expanded', String(open));
    if (open) name.focus(); else createButton.focus();
  }
  createButton.addEventListener('click', () => showForm(form.hidden));
  cancel.addEventListener('click', () => showForm(false));
  form.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !(e.target instanceof HTMLSelectElement)) { e.preventDefault(); showForm(false); }
  });

  async function load() {
    try {
      const res = await api('DescribeTrails', {});
      const list = res.trailList || [];
      const statuses = await Promise.all(list.map((t) => api('GetTrailStatus', { Name: t.TrailARN || t.Name }).catch(() => null)));
      if (!alive) return;
      const frag = document.createDocumentFragment();
      list.forEach((t, i) => {
        const s = statuses[i];
        frag.append(el('tr', { dataset: { trail: t.Name } },
          el('td', { dataset: { field: 'Name' } }, el('a', { href: trailHref(t), text: t.Name })),
          el('td', { dataset: { field: 'HomeRegion' }, text: t.HomeRegion || '—' }),
          el('td', { dataset: { field: 'S3BucketName' }, text: (t.S3BucketName || '—') + (t.S3KeyPrefix ? `/${t.S3KeyPrefix}` : '') }),
          el('td', { dataset: { field: 'IsMultiRegionTrail' }, text: yesNo(!!t.IsMultiRegionTrail) }),
          el('td', { dataset: { field: 'LogFileValidationEnabled' }, text: t.LogFileValidationEnabled ? 'Enabled' : 'Disabled' }),
          el('td', { dataset: { field: 'IsLogging' } }, s
            ? el('span', { class: ['badge', s.IsLogging ? 'ok' : 'off'], text: s.IsLogging ? 'Logging' : 'Stopped' })
            : '—')));
      });
      clear(tbody).append(frag);
      status.textContent = list.length ? `${list.length} trail${list.length === 1 ? '' : 's'} in ${getRegion()}` : 'No trails in this region yet.';
      listError.hidden = true;
    } catch (e) {
      if (!alive) return;
      status.textContent = '';
      listError.textContent = describeError(e);
      listError.hidden = false;
    }
  }

  let busy = false;
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (busy) return;
    busy = true;
    submit.disabled = true;
    submit.textContent = 'Creating…';
    createError.hidden = true;
    clear(createError);
    const trailName = name.value.trim();
    const body = { Name: trailName, S3BucketName: bucket.value.trim() };
    if (prefix.value.trim()) body.S3KeyPrefix = prefix.value.trim();
    if (multi.checked) body.IsMultiRegionTrail = true;
    if (!global.checked) body.IncludeGlobalServiceEvents = false;
    if (validation.checked) body.EnableLogFileValidation = true;
    if (kms.value.trim()) body.KmsKeyId = kms.value.trim();
    const tagList = parseTags(tags.value);
    if (tagList.length) body.TagsList = tagList;
    let created = false;
    let step = 'CreateTrail';
    try {
      await api('CreateTrail', body);
      created = true;
      const selectors = editor.get();
      if (selectors) {
        step = 'PutEventSelectors';
        await api('PutEventSelectors', { TrailName: trailName, ...selectors });
      }
      if (startLogging.checked) {
        step = 'StartLogging';
        await api('StartLogging', { Name: trailName });
      }
      if (alive) navigate(`#/trails/${encodeURIComponent(trailName)}`);
    } catch (err) {
      if (!alive) return;
      if (created) {
        createError.append(`The trail ${trailName} was created, but ${step} failed: ${describeError(err)} `,
          el('a', { href: `#/trails/${encodeURIComponent(trailName)}`, text: `Open trail ${trailName}` }));
        load();
      } else {
        createError.textContent = describeError(err);
      }
      createError.hidden = false;
      createError.setAttribute('tabindex', '-1');
      createError.focus();
    } finally {
      busy = false;
      submit.disabled = false;
      submit.textContent = 'Create trail';
    }
  });

  if (params.get('create') !== null) showForm(true);
  load();
  return { unmount() { alive = false; } };
}
