#!/usr/bin/env python3
"""The FTGO services as a client no one on the project wrote sees them.

    ftgo_clients.py nats <nats://host:port> <order-service base URL> <bearer token>
    ftgo_clients.py amqp <amqp://user:pass@host:port/vhost> <order-service base URL> <bearer token>

Speaks only what the emitted documents and docs/wire.md say, with nats-py or pika:
1. listens to `ftgo.order.events`, places an order over REST, and reads its `OrderCreated`;
2. sends ten `CreateTicket` commands and one naming the sold-out `tiramisu` to
   `ftgo.kitchen.commands` with its own `reply_to`, and checks that each is answered exactly once,
   correlated, typed `ftgo.kitchen.TicketCreated` / `ftgo.kitchen.TicketRejected`;
3. publishes a `QuoteRequest` to `ftgo.delivery.quotes` and collects the quotes for 2 s: one per
   running courier.
Prints one JSON line with what it saw (the order ids of its tickets, the quotes), then OK; exits 1
with the reasons otherwise.
"""

import asyncio
import json
import sys
import time
import urllib.request
import uuid

ORDER_EVENTS = "ftgo.order.events"
KITCHEN = "ftgo.kitchen.commands"
QUOTES = "ftgo.delivery.quotes"
TICKETS = [(5000 + i, "pad-thai") for i in range(10)] + [(5100, "tiramisu")]


def place_order(base, token):
    body = json.dumps({
        "restaurant_id": 1,
        "consumer_id": 1,
        "line_items": [{"menu_item_id": "pad-thai", "quantity": 1}],
    }).encode()
    request = urllib.request.Request(
        f"{base}/orders", data=body, method="POST",
        headers={"content-type": "application/json", "authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["order_id"]


def ticket(order_id, item):
    return json.dumps({"order_id": order_id, "line_items": [{"menu_item_id": item, "quantity": 1}]}).encode()


def judge(problems, order_event, replies, quotes):
    """replies: message_id -> list of (message_type, correlation_id, payload)."""
    if order_event is None:
        problems.append("no OrderCreated event for the order placed")
    for message_id, got in replies.items():
        if len(got) != 1:
            problems.append(f"request {message_id} answered {len(got)} times")
    types = sorted(got[0][0] for got in replies.values() if got)
    expected = sorted(["ftgo.kitchen.TicketCreated"] * 10 + ["ftgo.kitchen.TicketRejected"])
    if types != expected:
        problems.append(f"reply types {types}, expected {expected}")
    for got in replies.values():
        if got and got[0][0] == "ftgo.kitchen.TicketRejected" and "sold out" not in json.loads(got[0][2])["reason"]:
            problems.append(f"rejection reason {got[0][2]!r}")
    couriers = sorted((q["courier"], q["minutes"]) for q in quotes)
    print(json.dumps({"tickets": [t[0] for t in TICKETS], "quotes": couriers, "order_event": order_event}))
    if problems:
        print("\n".join(problems))
        sys.exit(1)
    print("OK")


async def over_nats(url, base, token):
    import nats

    nc = await nats.connect(url)
    problems = []
    # 1. Events: a plain subscription to the channel's subject.
    events = await nc.subscribe(ORDER_EVENTS)
    order_id = await asyncio.get_running_loop().run_in_executor(None, place_order, base, token)
    order_event = None
    deadline = time.monotonic() + 30
    while order_event is None and time.monotonic() < deadline:
        try:
            msg = await events.next_msg(timeout=deadline - time.monotonic())
        except Exception:
            break
        payload = json.loads(msg.data)
        if (msg.headers or {}).get("message_type") == "ftgo.order.OrderCreated" and payload["order_id"] == order_id:
            order_event = payload
    # 2. Commands with our own reply inbox, as core publishes.
    inbox = nc.new_inbox()
    replies_sub = await nc.subscribe(inbox)
    replies = {}
    for order, item in TICKETS:
        message_id = str(uuid.uuid4())
        replies[message_id] = []
        headers = {"message_id": message_id, "message_type": "ftgo.kitchen.CreateTicket",
                   "reply_to": inbox, "content_type": "application/json"}
        await nc.publish(KITCHEN, ticket(order, item), headers=headers)
    deadline = time.monotonic() + 30
    while any(not got for got in replies.values()) and time.monotonic() < deadline:
        try:
            msg = await replies_sub.next_msg(timeout=deadline - time.monotonic())
        except Exception:
            break
        headers = msg.headers or {}
        replies.setdefault(headers.get("correlation_id"), []).append((headers.get("message_type"), headers.get("correlation_id"), msg.data))
    # A second answer to any request would arrive within this pause.
    await asyncio.sleep(1)
    while True:
        try:
            msg = await replies_sub.next_msg(timeout=0.2)
        except Exception:
            break
        headers = msg.headers or {}
        replies.setdefault(headers.get("correlation_id"), []).append((headers.get("message_type"), headers.get("correlation_id"), msg.data))
    # 3. Publish/async responses: every courier answers within the window.
    quote_inbox = nc.new_inbox()
    quote_sub = await nc.subscribe(quote_inbox)
    message_id = str(uuid.uuid4())
    headers = {"message_id": message_id, "message_type": "ftgo.kitchen.QuoteRequest",
               "reply_to": quote_inbox, "content_type": "application/json"}
    await nc.publish(QUOTES, json.dumps({"order_id": order_id}).encode(), headers=headers)
    quotes = []
    window_end = time.monotonic() + 2
    while time.monotonic() < window_end:
        try:
            msg = await quote_sub.next_msg(timeout=max(window_end - time.monotonic(), 0.01))
        except Exception:
            break
        headers = msg.headers or {}
        if headers.get("correlation_id") == message_id and headers.get("message_type") == "ftgo.kitchen.Quote":
            quotes.append(json.loads(msg.data))
    await nc.close()
    judge(problems, order_event, replies, quotes)


def over_amqp(url, base, token):
    import pika

    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    problems = []

    def drain(queue, until, stop):
        """(properties, body) from `queue` until the time `until` or `stop()`."""
        got = []
        while time.monotonic() < until and not stop(got):
            method, props, body = channel.basic_get(queue, auto_ack=True)
            if method is None:
                connection.sleep(0.02)
                continue
            got.append((props, body))
        return got

    # 1. Events: our own queue bound to the channel's topic exchange.
    channel.exchange_declare(ORDER_EVENTS, "topic", durable=True)
    events = channel.queue_declare(queue="", exclusive=True).method.queue
    channel.queue_bind(events, ORDER_EVENTS, routing_key="#")
    order_id = place_order(base, token)
    order_event = None
    for props, body in drain(events, time.monotonic() + 30, lambda got: any(
            p.type == "ftgo.order.OrderCreated" and json.loads(b)["order_id"] == order_id for p, b in got)):
        payload = json.loads(body)
        if props.type == "ftgo.order.OrderCreated" and payload["order_id"] == order_id:
            order_event = payload
    # 2. Commands through the default exchange, routing key = the queue.
    inbox = channel.queue_declare(queue="", exclusive=True).method.queue
    replies = {}
    for order, item in TICKETS:
        message_id = str(uuid.uuid4())
        replies[message_id] = []
        properties = pika.BasicProperties(message_id=message_id, type="ftgo.kitchen.CreateTicket",
                                          reply_to=inbox, content_type="application/json", delivery_mode=2)
        channel.basic_publish(exchange="", routing_key=KITCHEN, body=ticket(order, item), properties=properties)
    received = drain(inbox, time.monotonic() + 30, lambda got: len(got) >= len(TICKETS))
    received += drain(inbox, time.monotonic() + 1, lambda got: False)
    for props, body in received:
        replies.setdefault(props.correlation_id, []).append((props.type, props.correlation_id, body))
    # 3. Publish/async responses through the channel's topic exchange.
    channel.exchange_declare(QUOTES, "topic", durable=True)
    quote_inbox = channel.queue_declare(queue="", exclusive=True).method.queue
    message_id = str(uuid.uuid4())
    properties = pika.BasicProperties(message_id=message_id, type="ftgo.kitchen.QuoteRequest",
                                      reply_to=quote_inbox, content_type="application/json", delivery_mode=2)
    channel.basic_publish(exchange=QUOTES, routing_key=QUOTES, body=json.dumps({"order_id": order_id}).encode(),
                          properties=properties)
    quotes = [json.loads(body) for props, body in drain(quote_inbox, time.monotonic() + 2, lambda got: False)
              if props.correlation_id == message_id and props.type == "ftgo.kitchen.Quote"]
    connection.close()
    judge(problems, order_event, replies, quotes)


def main():
    mode, url, base, token = sys.argv[1:5]
    if mode == "nats":
        asyncio.run(over_nats(url, base, token))
    elif mode == "amqp":
        over_amqp(url, base, token)
    else:
        sys.exit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
