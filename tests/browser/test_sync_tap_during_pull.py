"""A tap on 同步 while a pull of my records is on its way brings a pull that begins after the tap.

The pull under way may answer with what the server had before the tap (a supervisor's approval
made meanwhile, say). The drain in progress used to clear the tap's request when its own pull
ended, so the phone showed the old status until the timer's pull, five minutes later. A clean-clone
CI run found it (tests/browser/test_records_to_amend.py on PostgreSQL); here the pull under way is
held at the server's door, so that the tap always falls inside it."""
from __future__ import annotations

DB = "(await import('/js/db.js')).openStore()"
PULLED_SINCE = (f"async (since) => ((await {DB}).get('meta', 'records_pulled_at'))"
                ".then((t) => Boolean(t && t >= since))")


def test_a_tap_during_a_pull_brings_a_pull_of_its_own(phone):
    page = phone.page
    phone.login("officer1")
    phone.wait_until(PULLED_SINCE, "")  # the login's own pull is done

    held, asked = [], []

    def hold_first_list(route):
        asked.append(route.request.url)
        if not held:
            held.append(route)  # answered below, after the second tap
        else:
            route.continue_()

    phone.context.route("**/api/inspections?officer=me*", hold_first_list)
    page.click("#sync-button")
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(100)
    assert held, "the tap's pull never asked for my records"
    tapped = page.evaluate("() => new Date().toISOString()")
    page.click("#sync-button")  # during the pull, which began before this tap
    held[0].continue_()
    phone.wait_until(PULLED_SINCE, tapped, timeout=30)
    assert len(asked) >= 4, asked  # two lists per pull: the held pull's and the second tap's
