(function () {
  // The Airflow UI keeps the language its user picked as i18nextLng: without ?lang=, follow it.
  var params = new URLSearchParams(window.location.search);
  if (params.has("lang")) return;
  var picked = null;
  try { picked = window.localStorage.getItem("i18nextLng"); } catch (e) { return; }
  if (!picked) return;
  var language = {zh: "zh_CN", en: "en"}[picked.replace("_", "-").split("-")[0].toLowerCase()];
  if (!language || language === document.documentElement.getAttribute("data-language")) return;
  params.set("lang", language);
  window.location.replace(window.location.pathname + "?" + params.toString() + window.location.hash);
})();
