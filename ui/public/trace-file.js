// /trace-file: a file dropped anywhere on the drop zone goes into the form's file input and the
// form is sent, as if chosen and opened; choosing a file sends it too. Without this script the
// input and the Open button still work.
'use strict';

const form = document.getElementById('trace-file-form');
const zone = document.getElementById('drop-zone');
const input = form?.querySelector('input[type=file]');

if (form && zone && input) {
  for (const type of ['dragenter', 'dragover']) {
    zone.addEventListener(type, (event) => {
      event.preventDefault();
      zone.classList.add('dragging');
    });
  }
  zone.addEventListener('dragleave', () => zone.classList.remove('dragging'));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('dragging');
    if (!event.dataTransfer?.files.length) return;
    input.files = event.dataTransfer.files;
    form.requestSubmit();
  });
  input.addEventListener('change', () => input.files?.length && form.requestSubmit());
}
