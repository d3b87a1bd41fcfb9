"""Requests that gunicorn itself refuses, before the app runs, are answered as problem+json like
every other error of the API (a real gunicorn on loopback, raw HTTP over a socket)."""
from __future__ import annotations

import json
import socket
from urllib.parse import urlsplit

import pytest
import requests

pytestmark = pytest.mark.live


def raw_request(url: str, request: bytes) -> tuple[int, dict, bytes]:
    """Send bytes as they are; (status, headers, body) of the answer, read until closed."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {name.strip().lower(): value.strip() for name, value in
               (line.split(":", 1) for line in lines)}
    return int(status_line.split()[1]), headers, body


def assert_problem(status: int, headers: dict, body: bytes, expected: int, code: str) -> dict:
    assert status == expected, body[:300]
    assert headers["content-type"] == "application/problem+json"
    assert int(headers["content-length"]) == len(body)
    problem = json.loads(body)
    assert problem["status"] == expected and problem["code"] == code
    assert problem["type"].endswith(code) and problem["title"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in problem["detail"])  # a zh-CN detail
    return problem


def test_a_request_line_too_long_is_a_problem_414(live_server):
    path = "/api/sync/status?" + "&".join(f"uuid=00000000-0000-0000-0000-{i:012d}" for i in range(120))
    status, headers, body = raw_request(
        live_server.url, f"GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode())
    assert_problem(status, headers, body, 414, "request.uri_too_long")


def test_an_invalid_header_name_is_a_problem_400(live_server):
    status, headers, body = raw_request(
        live_server.url, b"GET /api/me HTTP/1.1\r\nHost: localhost\r\nBad Header: x\r\n\r\n")
    assert_problem(status, headers, body, 400, "request.invalid")


def test_too_many_headers_is_a_problem_431(live_server):
    many = "".join(f"X-Filler-{i}: {i}\r\n" for i in range(150))
    status, headers, body = raw_request(
        live_server.url, f"GET /api/me HTTP/1.1\r\nHost: localhost\r\n{many}\r\n".encode())
    assert_problem(status, headers, body, 431, "request.headers_too_large")


def test_the_server_keeps_serving_after_refusing(live_server):
    raw_request(live_server.url, b"GET /api/me HTTP/1.1\r\nHost: localhost\r\nBad Header: x\r\n\r\n")
    assert requests.get(live_server.url + "/readyz", timeout=30).status_code == 200
    log = live_server.log.read_text()
    assert "Invalid request from ip=127.0.0.1" in log  # gunicorn still logs what it refused
