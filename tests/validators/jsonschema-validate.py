"""Checks JSON Schema 2020-12 files with the reference Python implementation (jsonschema).

Usage: python3 jsonschema-validate.py FILE...

Every `*.schema.json` file must be a valid 2020-12 schema, and every `$ref` in it must resolve
against the set of files given, each registered under its `$id` (the files refer to each other by
relative `$id`). Every `*.instance.json` file holds `{"schema": ID, "valid": BOOL, "value": ...}`:
the value must be accepted (or rejected) by the schema with that `$id`.
Exits 1 with one line per problem, 0 when all is well.
"""
import json
import sys
from urllib.parse import urljoin

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from referencing import Registry, Resource
from referencing.exceptions import Unresolvable


def refs(node):
    """Yields every `$ref` value in a schema, depth first."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs(item)


def check_instance(path, registry):
    """Problems with one instance file: it must be judged as it says."""
    with open(path, encoding="utf-8") as handle:
        case = json.load(handle)
    try:
        schema = registry.contents(case["schema"])
    except (KeyError, LookupError) as error:
        return [f"{path}: no schema {case.get('schema')!r}: {error}"]
    validator = Draft202012Validator(schema, registry=registry)
    errors = [f"{e.message} at {list(e.absolute_path)}" for e in validator.iter_errors(case["value"])]
    if case["valid"] and errors:
        return [f"{path}: rejected a valid value: {error}" for error in errors]
    if not case["valid"] and not errors:
        return [f"{path}: accepted an invalid value"]
    return []


def main(files):
    if not files:
        print("usage: jsonschema-validate.py FILE...", file=sys.stderr)
        return 2
    problems = []
    schemas = {}
    instances = [path for path in files if path.endswith(".instance.json")]
    for path in (path for path in files if path not in instances):
        with open(path, encoding="utf-8") as handle:
            schema = json.load(handle)
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as error:
            problems.append(f"{path}: not a valid 2020-12 schema: {error.message} at {list(error.path)}")
        if "$id" not in schema:
            problems.append(f"{path}: no $id")
            continue
        schemas[schema["$id"]] = (path, schema)
    registry = Registry().with_resources(
        (id_, Resource.from_contents(schema)) for id_, (_, schema) in schemas.items()
    )
    for id_, (path, schema) in schemas.items():
        resolver = registry.resolver(base_uri=id_)
        for ref in refs(schema):
            try:
                resolver.lookup(ref)
            except Unresolvable as error:
                problems.append(f"{path}: $ref {ref!r} ({urljoin(id_, ref)}) does not resolve: {error}")
    for path in instances:
        problems.extend(check_instance(path, registry))
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
