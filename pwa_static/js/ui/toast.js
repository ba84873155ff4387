// Short messages at the bottom of the screen; an optional action button; never a reload.

import { h } from './dom.js';

export function showToast(text, { actionLabel, onAction, timeout = 5000, kind = 'info' } = {}) {
  const box = document.getElementById('toasts');
  const toast = h('div', { class: `toast toast-${kind}`, role: 'status' }, h('span', {}, text));
  if (actionLabel) {
    toast.append(h('button', { type: 'button', class: 'btn btn-small', onclick: () => onAction?.(toast) }, actionLabel));
  }
  const close = () => toast.remove();
  toast.append(h('button', { type: 'button', class: 'toast-close', 'aria-label': '×', onclick: close }, '×'));
  box.append(toast);
  if (timeout) setTimeout(close, timeout);
  return toast;
}
