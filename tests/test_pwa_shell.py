"""The PWA's files as the server serves them: a service worker that precaches exactly the app's files
under a version that is a hash of their contents (filled in by the server: nothing to bump by hand),
no inline script or style (the CSP forbids them), a manifest a phone installs."""
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

PWA = Path(__file__).resolve().parent.parent / "static" / "pwa"


def served_worker(client) -> tuple[str, list[str]]:
    """The version and the precache list of /sw.js as the server serves it."""
    source = client.get("/sw.js").get_data(as_text=True)
    version = re.search(r'const VERSION = "([^"]+)";', source).group(1)
    precache = json.loads(re.search(r"const PRECACHE = (\[.*?\]);", source, re.DOTALL).group(1))
    return version, precache


def served_shell_version(client) -> str:
    page = client.get("/").get_data(as_text=True)
    return re.search(r'<meta name="fieldcase-version" content="([^"]+)">', page).group(1)


class _Loads(HTMLParser):
    """The files index.html loads (scripts, styles, icons, the manifest)."""

    def __init__(self):
        super().__init__()
        self.urls = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        url = attrs.get("src") or (attrs.get("href") if tag == "link" else None)
        if url:
            self.urls.add(url)


def files_the_app_loads() -> set[str]:
    """Every URL the app loads: what index.html names, the manifest's icons, and every module
    imported from there on (statically or dynamically), followed through the whole import graph."""
    parser = _Loads()
    parser.feed((PWA / "index.html").read_text())
    urls = set(parser.urls)
    manifest = json.loads((PWA / "manifest.webmanifest").read_text())
    urls |= {icon["src"] for icon in manifest["icons"]}
    todo = [u for u in urls if u.endswith(".js")]
    while todo:
        module = todo.pop()
        source = (PWA / module.lstrip("/")).read_text()
        for spec in re.findall(r'(?:\bfrom|\bimport\(?)\s*"(\.{1,2}/[^"]+)"', source):
            url = "/" + (PWA / module.lstrip("/")).parent.joinpath(spec).resolve().relative_to(PWA).as_posix()
            if url not in urls:
                urls.add(url)
                todo.append(url)
    return urls


def test_the_service_worker_precaches_every_file_the_app_loads_and_nothing_else(client):
    _version, listed = served_worker(client)
    assert len(listed) == len(set(listed)) and "/" in listed
    loads = files_the_app_loads()
    assert "/js/views/draft.js" in loads and "/vendor/exifr.js" in loads  # the graph is followed
    assert set(listed) - {"/"} == loads
    for path in listed:
        assert client.get(path).status_code == 200, path


@pytest.fixture
def pwa_copy(tmp_path, app_config) -> Path:
    """A copy of static/pwa/ that the app under test serves (setting PWA_DIR), free to change."""
    copy = tmp_path / "pwa"
    shutil.copytree(PWA, copy)
    app_config["PWA_DIR"] = copy
    return copy


def test_the_version_is_a_hash_of_the_precached_files_served_to_worker_and_app_alike(pwa_copy, client):
    version, listed = served_worker(client)
    assert re.fullmatch(r"[0-9a-f]{16}", version) and served_shell_version(client) == version
    assert "%FIELDCASE" not in client.get("/sw.js").get_data(as_text=True)
    seen = {version}

    def changed(path: str, edit) -> str:
        file = pwa_copy / path
        edit(file)
        new, _ = served_worker(client)
        assert served_shell_version(client) == new
        return new

    # Any precached file (a module, a vendored library, an icon, the shell itself) is a new version.
    for path in ("js/views/home.js", "vendor/idb.js", "icons/icon-192.png", "index.html", "app.css"):
        new = changed(path, lambda f: f.write_bytes(f.read_bytes() + b"\n"))
        assert new not in seen, path
        seen.add(new)
    # Files the phone never caches are not.
    before = served_worker(client)[0]
    assert changed("vendor/idb.js.LICENSE", lambda f: f.write_text(f.read_text() + "\n")) == before
    # A new file is precached at once, under a new version; so is a renamed one.
    (pwa_copy / "js" / "added.js").write_text("// added\n")
    version, listed = served_worker(client)
    assert "/js/added.js" in listed and version not in seen
    seen.add(version)
    (pwa_copy / "js" / "added.js").rename(pwa_copy / "js" / "renamed.js")
    version, listed = served_worker(client)
    assert "/js/renamed.js" in listed and "/js/added.js" not in listed and version not in seen


def test_a_deploy_of_the_same_files_keeps_the_version(client, tmp_path, app_config):
    version, _ = served_worker(client)
    copy = tmp_path / "pwa"
    shutil.copytree(PWA, copy)
    from server import create_app

    other = create_app({**app_config, "PWA_DIR": copy}).test_client()
    assert served_worker(other)[0] == version == served_shell_version(other)


def test_the_worker_and_shell_are_revalidated_and_answer_304_when_unchanged(client):
    worker = client.get("/sw.js")
    assert worker.headers["Cache-Control"] == "no-cache" and worker.mimetype == "text/javascript"
    again = client.get("/sw.js", headers={"If-None-Match": worker.headers["ETag"]})
    assert again.status_code == 304


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


def test_vendored_libraries_are_pinned_with_their_licences():
    vendor = PWA / "vendor"
    pins = [line.split() for line in (vendor / "VERSIONS").read_text().splitlines()
            if line.strip() and not line.startswith("#")]
    assert {p[0].rsplit("@", 1)[0] for p in pins} == {"idb", "tus-js-client", "json-logic-js", "signature_pad", "exifr"}
    for spec, integrity, _source, target in pins:
        assert re.fullmatch(r"[a-z_-]+@\d+\.\d+\.\d+", spec), spec  # exact versions only
        assert integrity.startswith("sha512-")
        assert (vendor / target).is_file() and (vendor / f"{target}.LICENSE").is_file()
