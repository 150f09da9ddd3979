// Review queue keyboard shortcuts: j / k move between reports, a accepts
// and r rejects the current report's best proposal (its first row). The
// page works without this file: every decision is a form button.
const rows = Array.from(document.querySelectorAll('li.report'));
let current = -1;

function focusRow(i) {
  if (rows.length === 0) return;
  current = Math.max(0, Math.min(rows.length - 1, i));
  rows.forEach((r, j) => r.classList.toggle('current', j === current));
  rows[current].focus();
  rows[current].scrollIntoView({ block: 'nearest' });
}

function decide(kind) {
  if (current < 0) return;
  const button = rows[current].querySelector('button.' + kind);
  if (button) button.click();
}

document.addEventListener('keydown', (e) => {
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  const t = e.target;
  if (t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement) return;
  switch (e.key) {
    case 'j': focusRow(current + 1); e.preventDefault(); break;
    case 'k': focusRow(current - 1); e.preventDefault(); break;
    case 'a': decide('accept'); e.preventDefault(); break;
    case 'r': decide('reject'); e.preventDefault(); break;
  }
});
