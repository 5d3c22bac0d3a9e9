#!/usr/bin/env python3
"""Writes docs/methods.md, the method reference, from Schemas/openrpc.json.

    scripts/openrpc-reference.py            # rewrite docs/methods.md (`make docs`)
    scripts/openrpc-reference.py --check    # exit 1 with a diff when docs/methods.md is stale (`make test-docs`)
    scripts/openrpc-reference.py --stdout   # print the reference

Python 3 standard library only. The output depends on the document alone (its order, no clock, no
environment), so the same document always gives the same bytes.
"""

import argparse
import difflib
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT = ROOT / "Schemas" / "openrpc.json"
OUTPUT = ROOT / "docs" / "methods.md"
COMMAND = "make docs"

ROLE_TEXT = {
    "public": "public: on every listener",
    "admin": "admin: on the admin listener only (`-32601` on a public one)",
}

# The JSON-RPC 2.0 errors every method can answer; the document lists only the contract's own.
STANDARD_ERRORS = [
    (-32700, "Parse error", "the frame is not JSON; the reply's `id` is null"),
    (-32600, "Invalid request", "not a JSON-RPC 2.0 request (or an empty batch, a batch over `--max-batch`, "
     "nesting over `--max-depth`, a frame over `--max-frame-bytes`, `\"params\": null`)"),
    (-32601, "Method not found", "no such method on this listener (admin methods on a public listener)"),
    (-32602, "Invalid params", "a param is missing, unknown, of the wrong type or breaks a rule; "
     "`data.field` names it and `data.reason` says why"),
    (-32603, "Internal error", "a fault of the service; logged, never caused by input"),
]


class Anchors:
    """GitHub's heading anchors: lower-cased, punctuation dropped, spaces to hyphens, repeats numbered."""

    def __init__(self):
        self.seen = {}

    def slug(self, heading):
        text = heading.strip().lower()
        text = re.sub(r"[^\w\- ]", "", text)
        text = text.replace(" ", "-")
        count = self.seen.get(text, 0)
        self.seen[text] = count + 1
        return text if count == 0 else f"{text}-{count}"


def ref_name(ref):
    return ref.rsplit("/", 1)[-1]


def code(text):
    """Inline code that survives backticks and table pipes in the text."""
    text = str(text).replace("|", "\\|")
    fence = "``" if "`" in text else "`"
    pad = " " if fence == "``" else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def cell(text):
    """Text for a table cell: one line, pipes escaped."""
    return " ".join(str(text).split()).replace("|", "\\|")


def literal(value):
    return code(json.dumps(value, ensure_ascii=False))


class Reference:
    def __init__(self, document):
        self.doc = document
        self.components = document.get("components", {})
        self.schemas = self.components.get("schemas", {})
        self.errors = self.components.get("errors", {})
        self.anchors = Anchors()
        # Headings are made in a fixed order below; reserve their anchors in that same order.
        self.method_anchor = {}
        self.schema_anchor = {}
        self.error_anchor = {}

    # Types and constraints

    def link(self, ref):
        name = ref_name(ref)
        if ref.startswith("#/components/schemas/") and name in self.schema_anchor:
            return f"[{name}](#{self.schema_anchor[name]})"
        return code(name)

    def type_of(self, schema):
        if not isinstance(schema, dict):
            return "any"
        if "$ref" in schema:
            return self.link(schema["$ref"])
        for key, word in (("oneOf", "one of"), ("anyOf", "any of")):
            if key in schema:
                return " or ".join(self.type_of(s) for s in schema[key])
        if "allOf" in schema:
            return " and ".join(self.type_of(s) for s in schema["allOf"])
        if "const" in schema:
            return literal(schema["const"])
        if "enum" in schema:
            return " \\| ".join(literal(v) for v in schema["enum"])
        kind = schema.get("type")
        kinds = kind if isinstance(kind, list) else [kind] if kind else []
        words = []
        for k in kinds:
            if k == "array":
                words.append("array of " + self.type_of(schema.get("items", {})))
            elif k == "object" and isinstance(schema.get("additionalProperties"), dict):
                words.append("object of " + self.type_of(schema["additionalProperties"]))
            else:
                words.append(k)
        return " or ".join(words) if words else "any"

    @staticmethod
    def bounds(low, high, unit):
        """`1 to 100 characters`, `at most 50 items`, `≥ 0`: numbers take signs, lengths and counts words."""
        if low is not None and high is not None:
            return f"{low} to {high}{unit}"
        if high is not None:
            return f"at most {high}{unit}" if unit else f"≤ {high}"
        if low is not None:
            return f"at least {low}{unit}" if unit else f"≥ {low}"
        return ""

    @staticmethod
    def constraints(schema):
        if not isinstance(schema, dict):
            return ""
        parts = []
        for low, high, unit in (("minLength", "maxLength", " characters"), ("minimum", "maximum", ""),
                                ("minItems", "maxItems", " items")):
            bounds = Reference.bounds(schema.get(low), schema.get(high), unit)
            if bounds:
                parts.append(bounds)
        if "exclusiveMinimum" in schema:
            parts.append(f"> {schema['exclusiveMinimum']}")
        if "exclusiveMaximum" in schema:
            parts.append(f"< {schema['exclusiveMaximum']}")
        if schema.get("uniqueItems"):
            parts.append("unique items")
        if "format" in schema:
            parts.append(f"format {code(schema['format'])}")
        if "pattern" in schema:
            parts.append(f"pattern {code(schema['pattern'])}")
        if "default" in schema:
            parts.append(f"default {literal(schema['default'])}")
        if schema.get("additionalProperties") is False:
            parts.append("no other fields")
        items = schema.get("items")
        if isinstance(items, dict) and "$ref" not in items:
            inner = Reference.constraints(items)
            if inner:
                parts.append(f"each item: {inner}")
        return "; ".join(parts)

    def rows(self, name, schema, required, description, depth=0):
        """A table row for one field, then rows for the fields of an inline object (`a.b`, `a[].b`)."""
        out = [
            f"| {code(name)} | {self.type_of(schema)} | {'yes' if required else 'no'} | "
            f"{cell(self.constraints(schema))} | {cell(description or '')} |"
        ]
        if depth >= 4 or not isinstance(schema, dict):
            return out
        inner, prefix = schema, name + "."
        if schema.get("type") == "array" or (isinstance(schema.get("type"), list) and "array" in schema["type"]):
            inner, prefix = schema.get("items", {}), name + "[]."
        if isinstance(inner, dict) and "$ref" not in inner:
            needed = set(inner.get("required", []))
            for key, sub in inner.get("properties", {}).items():
                out += self.rows(prefix + key, sub, key in needed, sub.get("description", ""), depth + 1)
        return out

    @staticmethod
    def table_head():
        return ["| field | type | required | constraints | description |", "|---|---|---|---|---|"]

    # Sections

    def method(self, m):
        name = m["name"]
        role = m.get("x-role", "public")
        out = [f"### {code(name)}", ""]
        out.append(f"**{m.get('summary', '').strip()}** — role {ROLE_TEXT.get(role, code(role))}.")
        out.append("")
        if m.get("deprecated"):
            out += ["Deprecated.", ""]
        if m.get("description"):
            out += [m["description"].strip(), ""]

        params = m.get("params", [])
        out.append("**Params**" + (f" ({m['paramStructure']})" if m.get("paramStructure") else "") + ":"
                   + (" none." if not params else ""))
        out.append("")
        if params:
            out += self.table_head()
            for p in params:
                schema = p.get("schema", {})
                description = p.get("description") or (schema.get("description") if isinstance(schema, dict) else "")
                out += self.rows(p["name"], schema, p.get("required", False), description)
            out.append("")

        result = m.get("result")
        if result:
            schema = result.get("schema", {})
            line = f"**Result** {code(result.get('name', 'result'))}: {self.type_of(schema)}."
            description = result.get("description") or (schema.get("description") if "$ref" not in schema else "")
            if description:
                line += " " + description.strip()
            out += [line, ""]
            if isinstance(schema, dict) and "$ref" not in schema and schema.get("properties"):
                out += self.table_head()
                needed = set(schema.get("required", []))
                for key, sub in schema["properties"].items():
                    out += self.rows(key, sub, key in needed, sub.get("description", ""))
                out.append("")
        else:
            out += ["**Result**: none (a notification).", ""]

        errors = m.get("errors", [])
        if errors:
            out.append("**Errors**:")
            out.append("")
            for e in errors:
                if "$ref" in e:
                    key = ref_name(e["$ref"])
                    e = dict(self.errors.get(key, {}), _key=key)
                label = f"[{e.get('code')}](#{self.error_anchor[e['_key']]})" if e.get("_key") in self.error_anchor \
                    else code(e.get("code"))
                out.append(f"- {label}: {e.get('message', '').strip()}")
            out.append("")

        for i, example in enumerate(m.get("examples", [])):
            title = example.get("name") or f"Example {i + 1}"
            out += [f"**Example: {title}.**" + (f" {example['description'].strip()}" if example.get("description") else ""), ""]
            params_value = {p["name"]: p["value"] for p in example.get("params", [])}
            request = {"jsonrpc": "2.0", "id": 1, "method": name}
            if params_value:
                request["params"] = params_value
            out += ["```json", json.dumps(request, indent=2, ensure_ascii=False), "```", ""]
            if "result" in example and example["result"] is not None:
                reply = {"jsonrpc": "2.0", "id": 1, "result": example["result"].get("value")}
                out += ["Reply:", "", "```json", json.dumps(reply, indent=2, ensure_ascii=False), "```", ""]
        return out

    def notification(self, n):
        out = [f"### {code(n['name'])}", ""]
        if n.get("summary"):
            out += [f"**{n['summary'].strip()}** — from the service to a client.", ""]
        if n.get("description"):
            out += [n["description"].strip(), ""]
        params = n.get("params")
        if params:
            out += [f"**Params**: {self.type_of(params)}.", ""]
        for i, example in enumerate(n.get("examples", [])):
            title = example.get("name") or f"Example {i + 1}"
            message = {"jsonrpc": "2.0", "method": n["name"], "params": example.get("value")}
            out += [f"**Example: {title}.**", "", "```json", json.dumps(message, indent=2, ensure_ascii=False), "```", ""]
        return out

    def schema(self, name, s):
        out = [f"### {name}", ""]
        if s.get("description"):
            out += [s["description"].strip(), ""]
        shape = self.type_of(s)
        kind = s.get("type")
        has_fields = bool(s.get("properties"))
        if not has_fields or kind != "object":
            constraints = self.constraints(s)
            out += [f"Type: {shape}" + (f"; {constraints}" if constraints else "") + ".", ""]
        if has_fields:
            out += self.table_head()
            needed = set(s.get("required", []))
            for key, sub in s["properties"].items():
                out += self.rows(key, sub, key in needed, sub.get("description", ""))
            out.append("")
            if s.get("additionalProperties") is False:
                out += ["No other fields.", ""]
        return out

    def render(self):
        info = self.doc.get("info", {})
        methods = self.doc.get("methods", [])
        notifications = self.doc.get("x-notifications", [])

        # Anchors in the order their headings appear.
        for h in ["Method reference", "Methods"]:
            self.anchors.slug(h)
        for m in methods:
            self.method_anchor[m["name"]] = self.anchors.slug(code(m["name"]))
        if notifications:
            self.anchors.slug("Notifications from the service")
            for n in notifications:
                self.anchors.slug(code(n["name"]))
        self.anchors.slug("Errors")
        for key in self.errors:
            self.error_anchor[key] = self.anchors.slug(key)
        self.anchors.slug("Shared schemas")
        for name in self.schemas:
            self.schema_anchor[name] = self.anchors.slug(name)

        out = [
            "<!-- Generated from Schemas/openrpc.json by scripts/openrpc-reference.py: do not edit by hand, "
            f"run `{COMMAND}`. -->",
            "",
            "# Method reference",
            "",
            f"Generated from [`Schemas/openrpc.json`](../Schemas/openrpc.json) ({info.get('title', '')} "
            f"{info.get('version', '')}, OpenRPC {self.doc.get('openrpc', '')}) by `scripts/openrpc-reference.py`; "
            f"`{COMMAND}` regenerates it and `make test` fails while it is stale. The rules these methods share "
            "are in [the contract](README.md).",
            "",
            "Every method takes its params by name (an object, or none). A method whose role is **admin** exists "
            "only on the admin listener. Each example is a request as sent (one line on the wire; shown indented) "
            "and its reply on a fresh database with the example campaign.",
            "",
            "| method | role | summary |",
            "|---|---|---|",
        ]
        for m in methods:
            out.append(f"| [{code(m['name'])}](#{self.method_anchor[m['name']]}) | {m.get('x-role', 'public')} | "
                       f"{cell(m.get('summary', ''))} |")
        out.append("")
        if notifications:
            out.append("Sent by the service: " + ", ".join(code(n["name"]) for n in notifications)
                       + " ([notifications](#notifications-from-the-service)).")
            out.append("")

        out += ["## Methods", ""]
        for m in methods:
            out += self.method(m)

        if notifications:
            out += ["## Notifications from the service", ""]
            for n in notifications:
                out += self.notification(n)

        out += ["## Errors", "", "Besides JSON-RPC's own:", "", "| code | meaning |", "|---|---|"]
        for number, title, meaning in STANDARD_ERRORS:
            out.append(f"| {number} | {title}: {meaning} |")
        out.append("")
        out.append("and the contract's own, as the methods above list them (`-32006`, which refuses a connection "
                   "rather than answers a method, and when each code comes are in [errors](errors.md)):")
        out.append("")
        for key, e in self.errors.items():
            out += [f"### {key}", "", f"Code {code(e.get('code'))}. {e.get('message', '').strip()}"]
            if "data" in e:
                out += ["", f"`data`, for example: {literal(e['data'])}"]
            out.append("")

        out += ["## Shared schemas", "", "The shapes the methods above refer to, in the document's order.", ""]
        for name, s in self.schemas.items():
            out += self.schema(name, s)

        while out and out[-1] == "":
            out.pop()
        return "\n".join(out) + "\n"


def generate(document_path=DOCUMENT):
    with open(document_path, encoding="utf-8") as f:
        return Reference(json.load(f)).render()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="fail with a diff when the output is stale")
    mode.add_argument("--stdout", action="store_true", help="print instead of writing")
    parser.add_argument("--document", type=Path, default=DOCUMENT)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)

    text = generate(args.document)
    if args.stdout:
        sys.stdout.write(text)
        return 0
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current == text:
            return 0
        shown, source = (p.resolve().relative_to(ROOT) if p.resolve().is_relative_to(ROOT) else p
                         for p in (args.output, args.document))
        sys.stderr.writelines(difflib.unified_diff(
            current.splitlines(keepends=True), text.splitlines(keepends=True),
            fromfile=f"{shown} (as it is)", tofile=f"{shown} (as {source} makes it)"))
        sys.stderr.write(f"\n{shown} is stale: it does not match {source}. Run `{COMMAND}` and commit it.\n")
        return 1
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
