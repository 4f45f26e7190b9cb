// #/signin
import { signIn, ApiError } from './api.js';
import { el } from './format.js';

export function mount(main, { params, onSignedIn }) {
  const next = params.get('next') || '';
  const error = el('div', { id: 'signin-error', class: 'error', role: 'alert', hidden: true });
  const account = el('input', {
    id: 'signin-account', name: 'account', type: 'text', inputmode: 'numeric', autocomplete: 'off',
    placeholder: 'Blank = this installation’s account', 'aria-describedby': 'signin-account-hint', maxlength: '12', spellcheck: 'false',
  });
  const username = el('input', { id: 'signin-username', name: 'username', type: 'text', autocomplete: 'username', required: true, spellcheck: 'false', autocapitalize: 'none' });
  const password = el('input', { id: 'signin-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const submit = el('button', { id: 'signin-submit', type: 'submit', class: 'primary', text: 'Sign in' });

  const form = el('form', { id: 'signin-form', class: 'signin-form', novalidate: false },
    el('div', { class: 'field' },
      el('label', { for: 'signin-account', text: 'Account ID (optional)' }), account,
      el('p', { class: 'hint', id: 'signin-account-hint', text: '12 digits. Leave blank to sign in to the installation’s account.' })),
    el('div', { class: 'field' }, el('label', { for: 'signin-username', text: 'User name' }), username),
    el('div', { class: 'field' }, el('label', { for: 'signin-password', text: 'Password' }), password),
    error,
    el('div', { class: 'actions' }, submit));

  let busy = false;
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (busy) return;
    busy = true;
    submit.disabled = true;
    submit.textContent = 'Signing in…';
    error.hidden = true;
    error.textContent = '';
    try {
      await signIn({ account: account.value.trim(), username: username.value, password: password.value });
      password.value = '';
      onSignedIn(next);
    } catch (err) {
      error.textContent = err instanceof ApiError ? err.message : 'Sign-in failed.';
      error.hidden = false;
      password.value = '';
      password.focus();
    } finally {
      busy = false;
      submit.disabled = false;
      submit.textContent = 'Sign in';
    }
  });

  const section = el('section', { id: 'signin', class: 'signin-page', 'aria-labelledby': 'signin-title' },
    el('div', { class: 'signin-card' },
      el('div', { class: 'signin-brand' }, el('img', { src: 'favicon.svg', alt: '', width: '40', height: '40' }),
        el('div', {}, el('h1', { id: 'signin-title', text: 'Sign in to Cairn' }),
          el('p', { class: 'muted', text: 'Self-hosted CloudTrail console' }))),
      form));
  main.append(section);
  username.focus();
  return { unmount() {} };
}
