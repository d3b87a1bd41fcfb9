"""Playwright (sync API) driving Debian's Chromium as a Pixel 5 with a fake camera and microphone,
against the app under a real gunicorn on loopback (`live_server`). See ../shared/recipes/browser-tests.md.

Every page's uncaught errors fail the test; screenshots go to test-artifacts/screenshots/.
"""
from __future__ import annotations

import io
import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

CHROMIUM = os.environ.get("FIELDCASE_CHROMIUM", "/usr/bin/chromium")
ROOT = Path(__file__).resolve().parent.parent.parent
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
PASSWORD = "correct-horse-battery"
GEO = {"latitude": 30.52, "longitude": 120.94}


@pytest.fixture(scope="session")
def playwright_instance():
    """Playwright on Debian's Chromium; a missing one fails the test (deselect with -m "not browser",
    as make test-fast does), so that CI cannot pass without running the browser tests."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: scripts/system-deps.sh test installs it "
                    "(or set FIELDCASE_CHROMIUM)", pytrace=False)
    from playwright.sync_api import Page, sync_playwright

    def refused(self, *args, **kwargs):
        # Playwright builds the predicate with new Function() inside the page: the app's CSP
        # (script-src 'self') refuses it whenever the first check is false, so such a wait only
        # passes when the page happens to be ready already. Poll with Phone.wait_until instead.
        raise AssertionError("page.wait_for_function evaluates a string, which the app's CSP forbids: "
                             "use phone.wait_until('() => ...')")

    Page.wait_for_function = refused
    # expect() waits 5 s by default, its own clock apart from the pages' default timeouts: too short
    # for a desk page that loads a trail on two loaded cores in CI. A passing assertion returns as
    # soon as it holds, so only a real failure waits the longer time.
    from playwright.sync_api import expect

    expect.set_options(timeout=20_000)
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_instance):
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=[
        "--no-sandbox", "--lang=zh-CN", "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
    ])
    yield browser
    browser.close()


class Phone:
    """A browser context shaped like an officer's phone, with helpers for the app's screens."""

    def __init__(self, context, base_url: str):
        self.context, self.base_url = context, base_url
        self.errors: list[str] = []
        self.console: list[str] = []
        self.page = self.new_page()

    def new_page(self):
        page = self.context.new_page()
        page.on("pageerror", lambda error: self.errors.append(f"{error}"))
        page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))
        page.on("dialog", lambda d: (self.console.append(f"dialog: {d.message}"), d.dismiss()))
        page.set_default_timeout(15000)
        return page

    def open(self, hash_route: str = "#/"):
        self.page.goto(self.base_url + "/" + hash_route)
        self.page.wait_for_selector("body[data-ready=true]")

    def login(self, username: str = "officer1", password: str = PASSWORD):
        self.open("#/login")
        self.page.fill("#username", username)
        self.page.fill("#password", password)
        self.page.click("form.login button[type=submit]")
        self.page.wait_for_selector(".home")

    def wait_for_service_worker(self):
        self.page.evaluate("navigator.serviceWorker.ready.then(() => true)")

    def wait_until(self, expression: str, arg=None, timeout: float = 30.0):
        """Poll an async JS function (evaluate awaits it, wait_for_function would not) until truthy."""
        import time

        deadline = time.monotonic() + timeout
        while True:
            value = self.page.evaluate(expression, arg)
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"not true after {timeout} s: {expression[:200]}")
            self.page.wait_for_timeout(250)

    def idb(self, store: str) -> list:
        """Every value of an IndexedDB store of the app, as JSON (blobs as their sizes)."""
        return self.page.evaluate("""async (store) => {
            const db = await new Promise((ok, ko) => {
                const r = indexedDB.open('fieldcase'); r.onsuccess = () => ok(r.result); r.onerror = ko;
            });
            const all = await new Promise((ok, ko) => {
                const r = db.transaction(store).objectStore(store).getAll();
                r.onsuccess = () => ok(r.result); r.onerror = ko;
            });
            db.close();
            return all.map((v) => JSON.parse(JSON.stringify(v, (k, x) =>
                x instanceof Blob ? {blob_size: x.size, blob_type: x.type} : x)));
        }""", store)

    def screenshot(self, name: str, full_page: bool = True):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)


@pytest.fixture
def make_phone(browser, playwright_instance, live_server):
    """Factory: a Pixel 5 (touch, 393×851) on the live server, camera/microphone/GPS allowed, zh-CN,
    Shanghai time; `service_workers="block"` when a test routes API answers itself."""
    made = []

    def make(**options) -> Phone:
        context = browser.new_context(
            **playwright_instance.devices["Pixel 5"], locale="zh-CN", timezone_id="Asia/Shanghai",
            permissions=["microphone", "camera", "geolocation"], geolocation=GEO, **options)
        made.append(Phone(context, live_server.url))
        return made[-1]

    yield make
    errors = [e for device in made for e in device.errors]
    for device in made:
        device.context.close()
    assert errors == [], f"uncaught errors in the page: {errors}"


@pytest.fixture
def phone(make_phone) -> Phone:
    return make_phone()


def dms(degrees: float) -> tuple[float, float, float]:
    """Decimal degrees as EXIF's degrees, minutes, seconds."""
    minutes, seconds = divmod(round(abs(degrees) * 3600, 2), 60)
    return (float(minutes // 60), float(minutes % 60), round(seconds, 2))


def make_jpeg(path: Path, colour=(200, 40, 40), size=(1280, 960), when: datetime | None = None,
              gps: tuple[float, float] = (GEO["latitude"], GEO["longitude"])) -> Path:
    """A JPEG with EXIF (camera, capture time as DateTime and DateTimeOriginal, GPS), made by Pillow:
    nothing binary is committed. `when`: local time as the camera writes it (no offset)."""
    from PIL import Image, ImageDraw

    when = when or datetime.now(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None)  # the phones' zone here
    image = Image.new("RGB", size, colour)
    ImageDraw.Draw(image).rectangle((100, 100, size[0] - 100, size[1] - 100), outline=(255, 255, 255), width=20)
    exif = Image.Exif()
    exif[0x010F] = "FieldCaseTest"  # Make
    exif[0x0110] = "Pixel 5"  # Model
    exif[0x0132] = when.strftime("%Y:%m:%d %H:%M:%S")  # DateTime
    exif.get_ifd(0x8769)[0x9003] = when.strftime("%Y:%m:%d %H:%M:%S")  # DateTimeOriginal
    exif.get_ifd(0x8825).update({1: "N" if gps[0] >= 0 else "S", 2: dms(gps[0]),
                                 3: "E" if gps[1] >= 0 else "W", 4: dms(gps[1])})
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85, exif=exif)
    path.write_bytes(buffer.getvalue())
    return path


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failure, keep a screenshot of each open page and its text in the report."""
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    phones = [v for v in item.funcargs.values() if isinstance(v, Phone)]
    for index, device in enumerate(phones):
        try:
            device.screenshot(f"FAILED-{item.name}-{index}", full_page=False)
            report.sections.append(("page text", device.page.inner_text("body")[:3000]))
            report.sections.append(("console", "\n".join(device.console[-30:])))
        except Exception as error:  # the page may be closed
            report.sections.append(("page text", f"unavailable: {error}"))
