"""The floor of a whole-process read: the same signed request with nothing but the standard library.

Run as a script (``python benchmarks/stdlib_read.py CLUSTER_ID``) with the emulator's ``HW_*``
variables, as the SDK script is. It signs with ``hmac`` and ``hashlib`` (``SDK-HMAC-SHA256``), sends
with ``http.client``, reads the first page, then any other pages at once on threads, and prints the
outputs as JSON: what any Python read of the service must at least do. No retries, no checks.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import os
import ssl
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

PAGE_SIZE = 100


def get_page(endpoint: str, access_key: str, secret_key: str, path: str, offset: int) -> dict[str, Any]:
    """One signed GET of a page of connections."""
    url = urlsplit(endpoint)
    query = f"limit={PAGE_SIZE}&offset={offset}"
    date = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    headers = {"host": url.netloc, "x-sdk-date": date}
    signed = sorted(headers)
    canonical_path = quote(path, safe="/~") + "/"
    canonical = "\n".join(
        ["GET", canonical_path, query, "".join(f"{name}:{headers[name]}\n" for name in signed), ";".join(signed),
         hashlib.sha256(b"").hexdigest()]
    )
    to_sign = f"SDK-HMAC-SHA256\n{date}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    signature = hmac.new(secret_key.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = (
        f"SDK-HMAC-SHA256 Access={access_key}, SignedHeaders={';'.join(signed)}, Signature={signature}"
    )
    connection: http.client.HTTPConnection
    if url.scheme == "https":
        connection = http.client.HTTPSConnection(url.netloc, context=ssl.create_default_context())
    else:
        connection = http.client.HTTPConnection(url.netloc)
    try:
        connection.request("GET", f"{path}?{query}", headers=headers)
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise SystemExit(f"HTTP {response.status}: {body[:200]!r}")
        page: dict[str, Any] = json.loads(body)
        return page
    finally:
        connection.close()


def main() -> None:
    env = os.environ
    endpoint, access_key, secret_key = env["HW_CSS_ENDPOINT"], env["HW_ACCESS_KEY"], env["HW_SECRET_KEY"]
    path = f"/v1.0/{env['HW_PROJECT_ID']}/clusters/{sys.argv[1]}/vpcepservice/connections"
    first = get_page(endpoint, access_key, secret_key, path, 0)
    connections: list[Any] = first["connections"]
    step = len(connections)
    if step and first["total_count"] > step:
        with ThreadPoolExecutor(max_workers=10) as pool:
            pages = pool.map(lambda offset: get_page(endpoint, access_key, secret_key, path, offset),
                             range(step, first["total_count"], step))
            for page in pages:
                connections.extend(page["connections"])
    first["connections"] = connections
    sys.stdout.write(json.dumps(first, indent=2) + "\n")


if __name__ == "__main__":
    main()
