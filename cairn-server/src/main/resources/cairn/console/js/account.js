// #/account: who is signed in, and the password change form.
import { postJson, currentSession, getRegion } from './api.js';
import { el, fmtTime, describeError } from './format.js';

export function mount(main) {
  const s = currentSession() || {};
  const current = el('input', { id: 'current-password', type: 'password', autocomplete: 'current-password', required: true });
  const next = el('input', { id: 'new-password', type: 'password', autocomplete: 'new-password', required: true, 'aria-describedby': 'new-password-hint' });
  const again = el('input', { id: 'new-password-again', type: 'password', autocomplete: 'new-password', required: true });
  const submit = el('button', { id: 'password-submit', type: 'submit', class: 'primary', text: 'Change password' });
  const message = el('p', { id: 'password-message', class: 'status', role: 'status' });

  const form = el('form', { id: 'password-form', class: 'form narrow' },
    el('input', { type: 'text', name: 'username', autocomplete: 'username', value: s.user || '', hidden: true, readonly: true, tabindex: '-1', 'aria-hidden': 'true' }),
    el('div', { class: 'field' }, el('label', { for: 'current-password', text: 'Current password' }), current),
    el('div', { class: 'field' }, el('label', { for: 'new-password', text: 'New password' }), next,
      el('p', { class: 'hint', id: 'new-password-hint', text: '12 to 256 characters.' })),
    el('div', { class: 'field' }, el('label', { for: 'new-password-again', text: 'New password again' }), again),
    el('div', { class: 'actions' }, submit),
    message);

  const dl = el('dl', { class: 'kv', id: 'account-info' },
    el('dt', { text: 'User' }), el('dd', { dataset: { field: 'user' }, text: s.user || '—' }),
    el('dt', { text: 'Account' }), el('dd', { dataset: { field: 'account' }, class: 'mono', text: s.account || '—' }),
    el('dt', { text: 'ARN' }), el('dd', { dataset: { field: 'arn' }, class: 'mono break', text: s.arn || '—' }),
    el('dt', { text: 'Region' }), el('dd', { text: getRegion() || '—' }),
    el('dt', { text: 'Session expires' }), el('dd', { text: fmtTime(s.expires) }));

  main.append(el('section', { id: 'account', class: 'page' },
    el('div', { class: 'page-head' }, el('h1', { text: 'Account' })),
    el('div', { class: 'detail-grid' },
      el('section', { class: 'card', 'aria-labelledby': 'whoami-title' }, el('h2', { id: 'whoami-title', text: 'Signed in as' }), dl),
      el('section', { class: 'card', 'aria-labelledby': 'password-title' }, el('h2', { id: 'password-title', text: 'Change password' }), form))));

  let busy = false;
  function say(text, kind) {
    message.textContent = text;
    message.classList.toggle('text-error', kind === 'error');
    message.classList.toggle('success', kind === 'ok');
  }
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (busy) return;
    if (next.value !== again.value) {
      say('The new passwords do not match.', 'error');
      again.focus();
      return;
    }
    busy = true;
    submit.disabled = true;
    say('Changing the password…');
    try {
      await postJson('/console/password', { currentPassword: current.value, newPassword: next.value });
      current.value = '';
      next.value = '';
      again.value = '';
      say('Password changed.', 'ok');
    } catch (err) {
      say(describeError(err), 'error');
    } finally {
      busy = false;
      submit.disabled = false;
    }
  });
  return { unmount() {} };
}
