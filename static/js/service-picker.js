// The public services list: the ticked services' total time and price, said under the list
// (the form works without it: the server adds them up on the next page).
(() => {
  const form = document.querySelector("form.service-picker");
  const total = document.getElementById("pick-total");
  if (!form || !total) return;
  const hint = total.textContent;
  const max = Number(form.dataset.max || 5);
  const money = (amount) => {
    try {
      return new Intl.NumberFormat(total.dataset.locale || undefined, {
        style: "currency",
        currency: total.dataset.currency || "BRL",
      }).format(amount);
    } catch {
      return amount.toFixed(2);
    }
  };
  form.addEventListener("change", () => {
    const ticked = [...form.querySelectorAll('input[name="service"]:checked')];
    for (const box of form.querySelectorAll('input[name="service"]')) {
      box.disabled = !box.checked && ticked.length >= max;
    }
    if (!ticked.length) {
      total.textContent = hint;
      return;
    }
    const minutes = ticked.reduce((sum, box) => sum + Number(box.dataset.minutes), 0);
    const price = ticked.reduce((sum, box) => sum + Number(box.dataset.price), 0);
    total.textContent = `${ticked.length} × · ${minutes} ${total.dataset.minutesWord} · ${money(price)}`;
  });
})();
