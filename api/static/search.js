// Suggestions as you type in any search box: names from /search.json fill the shared <datalist>;
// picking one opens its page. Without this script the box is a plain form that lists results.
(function () {
  const list = document.getElementById("site-search-suggestions");
  if (!list) return;
  const urls = new Map();
  let timer = null;
  let asked = "";
  async function suggest(input) {
    const q = input.value.trim();
    if (q.length < 2 || q === asked) return;
    asked = q;
    const response = await fetch(input.dataset.suggest + "?limit=8&q=" + encodeURIComponent(q),
                                 { headers: { Accept: "application/json" } });
    if (!response.ok) return;
    const results = (await response.json()).results;
    if (input.value.trim() !== q) return;  // the user typed on while this answer was on its way
    urls.clear();
    list.replaceChildren(...results.map((r) => {
      urls.set(r.label, r.url);
      const option = document.createElement("option");
      option.value = r.label;
      if (r.matched && r.matched !== r.label) option.label = "also called " + r.matched;
      return option;
    }));
  }
  for (const input of document.querySelectorAll("input[data-suggest]")) {
    input.addEventListener("input", (event) => {
      if (event.inputType === "insertReplacementText" || event.inputType === undefined) {
        const url = urls.get(input.value);
        if (url) { window.location.assign(url); return; }
      }
      clearTimeout(timer);
      timer = setTimeout(() => suggest(input).catch(() => {}), 120);
    });
  }
})();
