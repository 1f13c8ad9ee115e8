// Starts YASGUI against this server's own /sparql, in one tab: the query of a /sparql?query= link (run
// at once), or the first example; the examples menu loads any example into it.
(function () {
  const examples = JSON.parse(document.getElementById("virtkg-examples").textContent);
  const linked = JSON.parse(document.getElementById("virtkg-query").textContent);
  const endpoint = new URL("/sparql", window.location.href).href;
  const yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: false,
    persistenceId: null,
  });
  const tab = yasgui.getTab();
  const show = (name, query) => { tab.setName(name); tab.getYasqe().setValue(query); };
  if (linked) {
    show("Linked query", linked);
    tab.query();
  } else if (examples.length) {
    show(examples[0].name, examples[0].query);
  }
  const menu = document.getElementById("virtkg-example-menu");
  menu.addEventListener("change", () => {
    const example = examples[Number(menu.value)];
    if (example) show(example.name, example.query);
  });
  // Result links to our own IRIs open our own pages (the mapping of api/urls.py: base -> this server).
  const links = JSON.parse(document.getElementById("virtkg-links").textContent);
  const local = (a) => {
    if (a.href.startsWith(links.base)) {
      a.href = links.root + "/" + a.href.slice(links.base.length);
      a.removeAttribute("target");
    }
  };
  const results = document.getElementById("yasgui");
  new MutationObserver(() => results.querySelectorAll("a[href^='" + links.base + "']").forEach(local))
    .observe(results, { childList: true, subtree: true });
  // YASGUI leaves a few controls unnamed for assistive technology; name them, and make the scrolling
  // editor reachable by keyboard.
  const name = (selector, label) => document.querySelectorAll(selector).forEach((e) => e.setAttribute("aria-label", label));
  name("#yasgui .CodeMirror textarea", "SPARQL query");
  name("#yasgui input.autocomplete", "SPARQL endpoint");
  document.querySelectorAll("#yasgui .CodeMirror-scroll").forEach((e) => e.setAttribute("tabindex", "0"));
  window.virtkgYasgui = yasgui;
})();
