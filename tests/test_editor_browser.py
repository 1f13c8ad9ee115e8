"""The browser pages in headless Debian Chromium: the query editor runs an example query and shows its
result table, and the API docs list every operation; both load from our own origin only, without errors."""


def test_editor_runs_an_example_query_and_shows_results(server, page):
    page.goto(server.url + "/sparql")
    page.wait_for_selector(".yasqe .CodeMirror", timeout=20_000)
    assert page.locator(".tabsList .tab").count() == 1, "one tab; the examples are in a menu"
    menu = page.get_by_label("Examples")
    menu.select_option(menu.locator("option", has_text="Hypervisors by type").get_attribute("value"))
    assert "vkg:Type1Hypervisor" in page.evaluate("window.virtkgYasgui.getTab().getQuery()")
    page.locator(".tabPanel.active .yasqe_queryButton").click()
    page.wait_for_selector(".tabPanel.active .yasr table tbody tr", timeout=20_000)
    cells = page.locator(".tabPanel.active .yasr table tbody").inner_text()
    assert "KVM" in cells and "Type 1 hypervisor" in cells


def test_api_docs_render_from_our_origin(server, page):
    page.goto(server.url + "/api/docs")
    page.wait_for_selector(".opblock-summary-path", timeout=20_000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/compare" in paths and "/api/advise" in paths
    assert len(paths) == len(set(paths)), "each operation listed once"


def test_a_query_link_opens_the_editor_with_its_results(server, page):
    page.goto(server.url + "/sparql?query=" + "SELECT%20%3Fp%20WHERE%20%7B%20%3Fp%20a%20vkg%3AType1Hypervisor%20%7D")
    page.wait_for_selector(".yasr table tbody tr", timeout=20_000)
    assert "vkg:Type1Hypervisor" in page.evaluate("window.virtkgYasgui.getTab().getQuery()")
    assert "kvm" in page.locator(".yasr table tbody").inner_text()


def test_result_links_to_our_iris_open_our_own_pages(server, page):
    page.goto(server.url + "/sparql?query=" + "SELECT%20%3Fp%20WHERE%20%7B%20%3Fp%20a%20vkg%3AType1Hypervisor%20%7D")
    link = page.locator(".yasr table tbody a", has_text="kvm").first
    link.wait_for(timeout=20_000)
    assert link.get_attribute("href") == "/resource/kvm"
    link.click()
    page.wait_for_url(server.url + "/resource/kvm")
    assert page.locator("h1").inner_text() == "KVM"
