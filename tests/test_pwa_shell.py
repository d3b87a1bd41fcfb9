"""The PWA's files as the server serves them: a service worker that precaches exactly the app's files,
one version number, no inline script or style (the CSP forbids them), a manifest a phone installs."""
import json
import re
from pathlib import Path

from html.parser import HTMLParser

PWA = Path(__file__).resolve().parent.parent / "static" / "pwa"
# Files the app never loads itself: licences and the pin list of the vendored libraries.
NOT_PRECACHED = re.compile(r"(\.LICENSE|/VERSIONS|^sw\.js|^index\.html)$")


def precache_list() -> list[str]:
    source = (PWA / "sw.js").read_text()
    block = re.search(r"const PRECACHE = \[(.*?)\];", source, re.S).group(1)
    return re.findall(r'"([^"]+)"', block)


def test_the_service_worker_precaches_every_file_of_the_app_and_nothing_else():
    listed = precache_list()
    assert len(listed) == len(set(listed))
    assert "/" in listed
    on_disk = {"/" + str(p.relative_to(PWA)) for p in PWA.rglob("*")
               if p.is_file() and not NOT_PRECACHED.search(str(p.relative_to(PWA)))}
    assert set(listed) - {"/"} == on_disk


def test_app_and_service_worker_agree_on_the_version():
    sw = re.search(r'const VERSION = "([^"]+)"', (PWA / "sw.js").read_text()).group(1)
    app = re.search(r'export const APP_VERSION = "([^"]+)"', (PWA / "js" / "app.js").read_text()).group(1)
    assert sw == app


class _Inline(HTMLParser):
    def __init__(self):
        super().__init__()
        self.problems = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "style" in attrs or any(name.startswith("on") for name in attrs):
            self.problems.append(f"inline style or handler on <{tag}>")
        if tag == "style":
            self.problems.append("<style> element")
        self._in_script = tag == "script" and "src" not in attrs

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.problems.append("inline <script>")

    def handle_endtag(self, tag):
        self._in_script = False


def test_no_inline_script_or_style_anywhere():
    parser = _Inline()
    parser.feed((PWA / "index.html").read_text())
    assert parser.problems == []
    for module in (PWA / "js").rglob("*.js"):
        text = module.read_text()
        # Setting .style or innerHTML would need 'unsafe-inline' or invite injection.
        assert ".style." not in text and "innerHTML" not in text, module
        assert "localStorage." not in text, module  # photos and queues belong in IndexedDB


def test_every_module_is_small_and_says_what_it_owns():
    for module in (PWA / "js").rglob("*.js"):
        lines = module.read_text().splitlines()
        assert len(lines) < 300, f"{module.name}: {len(lines)} lines"
        assert lines[0].startswith("//"), f"{module.name} opens without a comment"


def test_the_manifest_installs_in_chinese_standalone():
    manifest = json.loads((PWA / "manifest.webmanifest").read_text())
    assert manifest["lang"] == "zh-CN" and manifest["display"] == "standalone"
    assert re.search(r"[\u4e00-\u9fff]", manifest["name"]) and manifest["start_url"] == "/"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    assert any(icon.get("purpose") == "maskable" for icon in manifest["icons"])
    for icon in manifest["icons"]:
        assert (PWA / icon["src"].lstrip("/")).is_file()


def test_the_shell_is_served_with_the_strict_csp(client):
    page = client.get("/")
    assert page.status_code == 200 and b'lang="zh-CN"' in page.data
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    worker = client.get("/sw.js")
    assert worker.headers["Service-Worker-Allowed"] == "/"
    assert worker.headers["Cache-Control"] == "no-cache"
    assert client.get("/manifest.webmanifest").mimetype == "application/manifest+json"
    for path in precache_list():
        assert client.get(path).status_code == 200, path


def test_vendored_libraries_are_pinned_with_their_licences():
    vendor = PWA / "vendor"
    pins = [line.split() for line in (vendor / "VERSIONS").read_text().splitlines()
            if line.strip() and not line.startswith("#")]
    assert {p[0].rsplit("@", 1)[0] for p in pins} == {"idb", "tus-js-client", "json-logic-js", "signature_pad", "exifr"}
    for spec, integrity, _source, target in pins:
        assert re.fullmatch(r"[a-z_-]+@\d+\.\d+\.\d+", spec), spec  # exact versions only
        assert integrity.startswith("sha512-")
        assert (vendor / target).is_file() and (vendor / f"{target}.LICENSE").is_file()
