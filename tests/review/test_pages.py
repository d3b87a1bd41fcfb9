"""The review desk's files: served at /review/ under the app's CSP, no inline script or style,
small modules that say what they own."""
from pathlib import Path

REVIEW = Path(__file__).resolve().parent.parent.parent / "static" / "review"


def test_the_review_desk_is_served_at_review(client):
    page = client.get("/review/")
    assert page.status_code == 200 and "执法审核" in page.get_data(as_text=True)
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert client.get("/review").status_code == 308
    assert client.get("/review/js/app.js").mimetype in ("text/javascript", "application/javascript")
    assert client.get("/review/js/nothing.js").status_code == 404


def test_no_inline_script_or_style_and_small_modules():
    html = (REVIEW / "index.html").read_text()
    assert "style=" not in html and "<style" not in html and "onclick" not in html
    for module in (REVIEW / "js").glob("*.js"):
        text = module.read_text()
        assert ".style." not in text and "innerHTML" not in text and "localStorage" not in text, module
        assert text.startswith("//") and len(text.splitlines()) < 250, module
