"""Clients for a served app: Flask's test client reading every body whole, and a plain
HTTP request to a server on a loopback port."""

from __future__ import annotations

import http.client

from flask.testing import FlaskClient


class BufferedClient(FlaskClient):
    """Reads every body completely, closing the files send_file opened."""

    def open(self, *args, **kwargs):
        kwargs.setdefault("buffered", True)
        return super().open(*args, **kwargs)


def fetch(
    port: int, path: str, headers: dict | None = None, method: str = "GET", body: bytes = b""
):
    status, header_list, answer = fetch_all_headers(port, path, headers, method, body)
    return status, {name.lower(): value for name, value in header_list}, answer


def fetch_all_headers(
    port: int, path: str, headers: dict | None = None, method: str = "GET", body: bytes = b""
):
    """Like ``fetch``, with the headers as sent: a list of (name, value), repeats kept."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path, body=body or None, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        connection.close()
