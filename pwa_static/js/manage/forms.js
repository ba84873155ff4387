// Form helpers of the managers' pages, loaded by base.html. They live here rather than in
// inline scripts or onclick attributes, which the Content-Security-Policy forbids.
//
// <button data-confirm="Sure?">            asks before it submits its form
// <input type="checkbox" data-tick-all="S"> ticks or unticks every checkbox matching S

document.addEventListener('click', (event) => {
  const button = event.target.closest('[data-confirm]');
  if (button && !window.confirm(button.dataset.confirm)) event.preventDefault();
});

document.addEventListener('change', (event) => {
  const selector = event.target.dataset?.tickAll;
  if (!selector) return;
  for (const box of document.querySelectorAll(selector)) box.checked = event.target.checked;
});
