// Starts YASGUI against this server's own /sparql, with virtkg's prefixes and one tab per example query.
(function () {
  const prefixes = JSON.parse(document.getElementById("virtkg-prefixes").textContent);
  const examples = JSON.parse(document.getElementById("virtkg-examples").textContent);
  const endpoint = new URL("/sparql", window.location.href).href;
  const header = Object.entries(prefixes).map(([p, iri]) => `PREFIX ${p}: <${iri}>`).join("\n");
  const first = examples.length ? examples[0].query : `${header}\n\nSELECT ?s ?label WHERE {\n  ?s rdfs:label ?label\n} LIMIT 20`;
  Yasgui.Yasqe.defaults.value = first;
  const yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: false,
    endpointCatalogueOptions: { getData: () => [{ endpoint: endpoint }] },
    persistenceId: null,
  });
  const tab = yasgui.getTab();
  tab.setQuery(first);
  examples.slice(1).forEach((example) => {
    const added = yasgui.addTab(false, { ...Yasgui.Tab.getDefaults(), name: example.name });
    added.setQuery(example.query);
  });
  if (examples.length) tab.setName(examples[0].name);
  window.virtkgYasgui = yasgui;
})();
