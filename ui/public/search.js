// The search page's one interaction: choosing another service reloads the form without an
// operation, so the operation picker lists that service's operations (read from Jaeger on the
// server). Without this script the form does the same on "Search".
'use strict';

(function reloadOperations() {
  const form = document.getElementById('search-form');
  const service = document.getElementById('search-service');
  const operation = document.getElementById('search-operation');
  if (!form || !service || !operation) return;
  service.addEventListener('change', () => {
    operation.value = '';
    form.requestSubmit();
  });
})();
