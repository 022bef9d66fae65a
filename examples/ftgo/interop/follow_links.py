"""A REST Level 3 client of the FTGO order service that builds no URL but the entry point.

    python3 follow_links.py BASE_URL BEARER_TOKEN

It places an order (POST BASE_URL/orders), then only follows what the responses say: the
`Location` of the created order, the `cancel_order` link (its href and method), the `self` link
of the cancelled order (asking `?expand=consumer`), and the `consumer` relation. Only the
standard library: what any HTTP client could do from the OpenAPI document.
"""

import json
import sys
import urllib.parse
import urllib.request


def call(method, url, token, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.headers, json.loads(response.read() or b"null")


def follow(base, link):
    """The absolute URL of a link (hrefs are relative to the service unless configured)."""
    return urllib.parse.urljoin(base, link["href"])


def with_query(url, **params):
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.urlencode(params)
    return urllib.parse.urlunsplit(parts._replace(query=query))


def main():
    base, token = sys.argv[1].rstrip("/") + "/", sys.argv[2]
    order = {
        "restaurant_id": 1,
        "consumer_id": 2,
        "line_items": [{"menu_item_id": "pad-thai", "quantity": 1}],
    }
    status, headers, created = call("POST", urllib.parse.urljoin(base, "orders"), token, order)
    assert status == 201, status
    location = urllib.parse.urljoin(base, headers["Location"])
    print(f"created order {created['order_id']} at {location}")

    _, _, placed = call("GET", location, token)
    assert placed["state"] == "APPROVAL_PENDING", placed
    cancel = placed["_links"]["cancel_order"]
    _, _, cancelled = call(cancel["method"], follow(base, cancel), token, {"reason": "changed my mind"})
    print(f"after {cancel['method']} {cancel['href']}: {cancelled['state']}")
    assert cancelled["state"] == "CANCELLED", cancelled

    own = follow(base, cancelled["_links"]["self"])
    _, _, expanded = call("GET", with_query(own, expand="consumer"), token)
    consumer = expanded["_embedded"]["consumer"]
    assert consumer["consumer_id"] == 2, expanded
    link = expanded["_links"]["consumer"]
    _, _, direct = call(link["method"], follow(base, link), token)
    assert direct == consumer, (direct, consumer)
    print(f"consumer: {consumer['name']} ({link['href']})")


if __name__ == "__main__":
    main()
