"""tus 1.0 as the phone speaks it, over a Flask test client: TUS headers, Upload-Metadata, and a
minimal client that creates an upload and sends it in chunks."""
from __future__ import annotations

import base64

TUS = {"Tus-Resumable": "1.0.0"}


def metadata_header(**values) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


class TusClient:
    """A minimal tus client over a Flask test client (CSRF header sent by the ApiClient).

    `record` has a `uuid`; `listed` (one evidence item of it) has `uuid`, `sha256` and `data`."""

    def __init__(self, client):
        self.client = client

    def create(self, record, listed, *, length=None, filename="photo.jpg", sha=None, headers=None):
        meta = metadata_header(inspection_uuid=str(record.uuid), evidence_uuid=str(listed.uuid),
                               sha256=sha or listed.sha256, filename=filename)
        return self.client.post("/api/uploads", headers={
            **TUS, "Upload-Length": str(len(listed.data) if length is None else length),
            "Upload-Metadata": meta, **(headers or {})})

    def patch(self, url, data: bytes, offset: int, headers=None):
        return self.client.patch(url, data=data, headers={
            **TUS, "Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream",
            **(headers or {})})

    def head(self, url):
        return self.client.head(url, headers=TUS)

    def upload(self, record, listed, chunk=None, data=None):
        """Create and send the whole file (in chunks); returns the last PATCH answer."""
        created = self.create(record, listed)
        assert created.status_code == 201, created.get_json()
        url = created.headers["Location"]
        data = listed.data if data is None else data
        chunk = chunk or len(data)
        offset, answer = 0, None
        while offset < len(data):
            answer = self.patch(url, data[offset:offset + chunk], offset)
            if answer.status_code != 204:
                return answer
            offset = int(answer.headers["Upload-Offset"])
        return answer
