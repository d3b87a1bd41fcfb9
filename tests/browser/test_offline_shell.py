"""Log in once, then the app opens with no network at all: the service worker serves the shell,
IndexedDB holds who I am and my colleagues."""


def test_log_in_once_then_open_offline(phone):
    page = phone.page
    phone.open("#/")
    page.wait_for_selector("form.login")  # nobody logged in on this phone yet
    phone.screenshot("01-login")
    phone.login("officer1")
    assert "officer1" in page.inner_text(".who")
    phone.wait_for_service_worker()
    page.reload()
    page.wait_for_selector(".home")
    assert page.evaluate("navigator.serviceWorker.controller !== null")
    phone.wait_until("() => document.querySelector('[data-role=storage]').textContent.includes('已用')")
    assert page.evaluate("navigator.storage.persisted()") in (True, False)
    officers = phone.idb("officers")
    assert {o["username"] for o in officers} >= {"officer1", "officer2", "officer3"}
    phone.screenshot("02-home")

    phone.context.set_offline(True)
    page.reload()
    page.wait_for_selector(".home")
    assert page.inner_text("#network") == "离线"
    assert "officer1" in page.inner_text(".who")

    # A fresh tab with no network: the shell and every module come from the service worker's cache.
    page.close()
    phone.page = phone.new_page()
    phone.open("#/")
    phone.page.wait_for_selector(".home")
    phone.page.click("[data-role=new-inspection]")
    phone.page.wait_for_selector(".screen-title")
    phone.screenshot("03-new-offline")
    phone.context.set_offline(False)
