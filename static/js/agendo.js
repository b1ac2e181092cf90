// Small behaviours htmx does not cover, kept out of inline handlers (the CSP allows no inline
// script without the page's nonce).

// A form with data-confirm="Question?" is sent only when the question is answered yes.
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
});
