#!/usr/bin/env python3
"""Interop check of docs/wire.md, "Messages on channels", from other languages' clients.

    messaging_interop.py nats <nats://host:port> <address>
    messaging_interop.py amqp <amqp://user:pass@host:port/vhost> <address>

Sends a request to the point-to-point channel <address> with nats-py (NATS headers) or pika
(AMQP basic properties and headers), as the document names them, and reads the reply from its
own inbox. The service on the other side (an accord consumer started by the Rust test
`python_clients_speak_the_documented_wire`) replies with what it read from the request as a
JSON payload. Exits 0 and prints OK when every name matches, 1 otherwise.
"""

import asyncio
import json
import sys
import uuid

TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
REQUEST_TYPE = "ftgo.kitchen.CreateTicket"
REPLY_TYPE = "ftgo.kitchen.TicketRejected"


def check(message_id, reply_headers, payload):
    """reply_headers: the reply's wire names mapped to values."""
    seen = json.loads(payload)
    expected_seen = {
        "message_id": message_id,
        "message_type": REQUEST_TYPE,
        "traceparent": TRACEPARENT,
        "content_type": "application/json",
        "tenant": "acme",
    }
    problems = [f"service read {k}={seen.get(k)!r}, sent {v!r}" for k, v in expected_seen.items() if seen.get(k) != v]
    expected_reply = {
        "correlation_id": message_id,
        "message_type": REPLY_TYPE,
        "traceparent": TRACEPARENT,
        "content_type": "application/json",
    }
    problems += [
        f"reply {k}={reply_headers.get(k)!r}, expected {v!r}"
        for k, v in expected_reply.items()
        if reply_headers.get(k) != v
    ]
    if not reply_headers.get("message_id") or reply_headers.get("message_id") == message_id:
        problems.append(f"reply message_id={reply_headers.get('message_id')!r}: not a fresh id")
    if problems:
        print("\n".join(problems))
        sys.exit(1)
    print("OK")


async def over_nats(url, address):
    import nats

    nc = await nats.connect(url)
    inbox = nc.new_inbox()
    sub = await nc.subscribe(inbox)
    message_id = str(uuid.uuid4())
    headers = {
        "message_id": message_id,
        "message_type": REQUEST_TYPE,
        "reply_to": inbox,
        "traceparent": TRACEPARENT,
        "content_type": "application/json",
        "tenant": "acme",
    }
    # A plain core publish: the channel's JetStream stream captures the subject.
    await nc.publish(address, b'{"order_id":7}', headers=headers)
    reply = await sub.next_msg(timeout=30)
    await nc.close()
    check(message_id, dict(reply.headers or {}), reply.data)


def over_amqp(url, address):
    import pika

    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    inbox = channel.queue_declare(queue="", exclusive=True).method.queue
    message_id = str(uuid.uuid4())
    properties = pika.BasicProperties(
        message_id=message_id,
        type=REQUEST_TYPE,
        reply_to=inbox,
        content_type="application/json",
        delivery_mode=2,
        headers={"traceparent": TRACEPARENT, "tenant": "acme"},
    )
    # Point-to-point: the default exchange, routing key = the address (= the queue).
    channel.basic_publish(exchange="", routing_key=address, body=b'{"order_id":7}', properties=properties)
    for method, props, body in channel.consume(inbox, auto_ack=True, inactivity_timeout=30):
        if method is None:
            print("no reply within 30 s")
            sys.exit(1)
        headers = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in (props.headers or {}).items()}
        reply = {
            "message_id": props.message_id,
            "correlation_id": props.correlation_id,
            "message_type": props.type,
            "content_type": props.content_type,
            "traceparent": headers.get("traceparent"),
        }
        break
    connection.close()
    check(message_id, reply, body)


def main():
    mode, url, address = sys.argv[1:4]
    if mode == "nats":
        asyncio.run(over_nats(url, address))
    elif mode == "amqp":
        over_amqp(url, address)
    else:
        sys.exit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
