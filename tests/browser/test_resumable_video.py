"""Scenario 2 of the PWA issue: a 50 MB body-camera video, uploaded by tus, is interrupted mid-way
(the phone goes offline) and resumed when it is back online — from the server's offset, not from
zero — and completes once, with the SHA-256 the phone computed."""
import hashlib
import os

from playwright.sync_api import expect

from .overload import fill_overload, require_server_features, submit

VIDEO_BYTES = 50 * 1024 * 1024


def fake_mp4(path):
    """An MP4 as the server sniffs it (ftyp box, then one mdat box), 50 MB of random payload."""
    ftyp = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"
    payload = VIDEO_BYTES - len(ftyp) - 8
    with open(path, "wb") as f:
        f.write(ftyp + (payload + 8).to_bytes(4, "big") + b"mdat")
        for _ in range(payload // (1 << 20)):
            f.write(os.urandom(1 << 20))
        f.write(os.urandom(payload % (1 << 20)))
    return path


def test_video_upload_resumes_after_the_network_drops(phone, live_server, tmp_path):
    require_server_features(live_server, uploads=True)
    video = fake_mp4(tmp_path / "body-camera.mp4")
    video_sha = hashlib.sha256(video.read_bytes()).hexdigest()
    page = phone.page
    tus = []  # (method, url, Upload-Offset) of every tus request the page makes
    page.on("request", lambda r: tus.append((r.method, r.url, r.headers.get("upload-offset")))
            if "/api/uploads" in r.url else None)
    phone.login("officer1")
    phone.wait_until("async () => (await import('/js/db.js').then((m) => m.openStore())).getKey('forms', 'overload/2')")
    fill_overload(phone, tmp_path, subject="浙F99999", video=video)

    # A slow uplink (8 MB/s) so the network can drop in the middle of the video.
    cdp = phone.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 20,
                                                   "downloadThroughput": -1, "uploadThroughput": 8 * 1024 * 1024})
    submit(phone)
    page.click(".outbox-link")
    bar = page.locator("[data-role=upload-progress]")
    expect(bar).to_be_visible(timeout=30000)

    def video_patches():
        return [(url, int(offset)) for method, url, offset in tus if method == "PATCH" and offset is not None]

    # Wait until the video is well under way (its PATCHes carry offsets beyond 10 MB), then drop.
    for _ in range(240):
        if any(offset >= 10 * 1024 * 1024 for _, offset in video_patches()):
            break
        page.wait_for_timeout(250)
    else:
        raise AssertionError(f"the video upload never got past 10 MB: {tus[-5:]}")
    phone.context.set_offline(True)
    expect(page.locator("[data-role=sync-status]")).to_have_attribute("data-status", "offline", timeout=20000)
    [video_url] = {url for url, offset in video_patches() if offset >= 10 * 1024 * 1024}
    phone.screenshot("16-upload-interrupted", full_page=False)

    server = live_server.login("officer1")
    held_offset = int(server.head(video_url, headers={"Tus-Resumable": "1.0.0"}).headers["Upload-Offset"])
    assert 10 * 1024 * 1024 <= held_offset < VIDEO_BYTES

    resumed_from = len(tus)
    phone.context.set_offline(False)
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 0,
                                                   "downloadThroughput": -1, "uploadThroughput": -1})
    phone.wait_until("""async () => (await (await import('/js/db.js')).openStore()).getAll('sent')
        .then((sent) => sent.length === 1 && !(sent[0].server.missing_evidence || []).length)""", timeout=120)

    after = tus[resumed_from:]
    video_after = [(m, o) for m, url, o in after if url == video_url]
    assert ("HEAD", None) in video_after  # asked the server where it stopped
    first_patch = next(int(o) for m, o in video_after if m == "PATCH")
    assert first_patch >= held_offset > 0  # resumed there, not from zero
    [sent] = phone.idb("sent")
    # One tus upload per file, the video included: the resume created no second upload.
    assert len([m for m, _, _ in tus if m == "POST"]) == len(sent["record"]["evidence"])
    record_video = [e for e in sent["record"]["evidence"] if e["item_id"] == "recording_clips"]
    assert [e["sha256"] for e in record_video] == [video_sha] and record_video[0]["size"] == VIDEO_BYTES
    held = server.get(f"{live_server.url}/api/inspections/{sent['uuid']}").json()
    assert held["status"] == "complete"
    [stored] = [e for e in held["evidence"] if e["item_id"] == "recording_clips"]
    assert stored["sha256"] == video_sha and stored["size"] == VIDEO_BYTES and stored["received_at"]
