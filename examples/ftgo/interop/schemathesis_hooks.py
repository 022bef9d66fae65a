"""Schemathesis hooks for the FTGO order service (`SCHEMATHESIS_HOOKS=schemathesis_hooks`).

Random orders almost never name a restaurant that exists and dishes on its menu, so every POST
/orders would end in 404 or 422 and the stateful phase would have no created order to follow
links from. Half of the generated bodies (those with an odd `restaurant_id`) are pointed at
restaurant 1 and its menu; the other half stay as generated, to keep testing the failures. A
body whose restaurant or dishes break the schema (a negative case) is left alone: fixing it
would make an invalid request valid.
"""

import schemathesis

MENU = ["pad-thai", "spring-roll"]


@schemathesis.hook
def map_body(context, body):
    operation = context.operation
    if operation is None or operation.method.upper() != "POST" or operation.path != "/orders":
        return body
    if not isinstance(body, dict):
        return body
    restaurant = body.get("restaurant_id")
    if not isinstance(restaurant, int) or isinstance(restaurant, bool):
        return body
    if not -(2**63) <= restaurant < 2**63 or restaurant % 2 == 0:
        return body
    items = body.get("line_items")
    if not isinstance(items, list) or not all(
        isinstance(item, dict) and isinstance(item.get("menu_item_id"), str) for item in items
    ):
        return body
    fixed = dict(body, restaurant_id=1)
    fixed["line_items"] = [
        dict(item, menu_item_id=MENU[i % len(MENU)]) for i, item in enumerate(items)
    ]
    return fixed
