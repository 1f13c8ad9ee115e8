// Starts YASGUI against this server's own /sparql, with virtkg's prefixes and one tab per example query.
(function () {
  const prefixes = JSON.parse(document.getElementById("virtkg-prefixes").textContent);
  const examples = JSON.parse(document.getElementById("virtkg-examples").textContent);
  const endpoint = new URL("/sparql", window.location.href).href;
  const header = Object.entries(prefixes).map(([p, iri]) => `PREFIX ${p}: <${iri}>`).join("\n");
  const tabs = examples.length ? examples : [{ name: "Labels", query: `${header}\n\nSELECT ?s ?label WHERE {\n  ?s rdfs:label ?label\n} LIMIT 20` }];
  const yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: false,
    persistenceId: null,
  });
  const first = yasgui.getTab();
  first.setName(tabs[0].name);
  first.getYasqe().setValue(tabs[0].query);
  tabs.slice(1).forEach((example) => {
    const defaults = Yasgui.Tab.getDefaults(yasgui);
    yasgui.addTab(false, { ...defaults, name: example.name, yasqe: { value: example.query },
                           requestConfig: { ...defaults.requestConfig, endpoint: endpoint } });
  });
  window.virtkgYasgui = yasgui;
})();
