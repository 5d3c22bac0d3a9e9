#!/usr/bin/env python3
"""Checks Schemas/ against the OpenRPC meta-schema, itself, the Swift wire types, and the example files.

Usage, from the repository root:  python3 Tests/schemas/validate.py Tests/schemas/openrpc-meta
The argument is the folder holding openrpc-1.3.schema.json and json-schema-tools-meta-schema.json; when it
does not exist the meta-schema check is skipped and the rest still runs.

Checks:
- Schemas/openrpc.json validates against the OpenRPC 1.3 meta-schema;
- every `$ref` in it points inside the document and resolves;
- its methods, their roles, params and results, and its component schemas agree with the Swift types in
  Sources/CampaignProtocol (names, order, required fields, enum values);
- every example's params and result validate against the method's schemas, with undeclared fields
  refused everywhere (as the service's strict decoder refuses them);
- the server's notifications (`x-notifications`) are the Swift notification types, and their examples validate;
- Schemas/campaign.schema.json is a valid 2020-12 schema whose definitions equal the document's
  components, and every Schemas/examples/*.json validates against it.
"""

import copy
import json
import re
import sys
from pathlib import Path

from jsonschema import Draft7Validator, Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

REPO = Path(__file__).resolve().parents[2]
OPENRPC = REPO / "Schemas" / "openrpc.json"
CAMPAIGN_SCHEMA = REPO / "Schemas" / "campaign.schema.json"
EXAMPLES = REPO / "Schemas" / "examples"
SWIFT_SOURCES = REPO / "Sources" / "CampaignProtocol"
DOC_URI = "urn:campaignd:openrpc"
COMPONENTS = "#/components/schemas/"

# Swift types whose component has another name.
SWIFT_TO_COMPONENT = {
    "JSONValue": "OpenRPCDocument",
    "ServiceHealth.Result": "Health",
    "ServiceStats.Result": "Stats",
    "ServiceStats.SignatureTotals": "SignatureTotals",
    "ServiceStats.OutboxTotals": "OutboxTotals",
    "ServiceStats.ConnectionTotals": "ConnectionTotals",
    "ServiceStats.RequestTotals": "RequestTotals",
    "ServiceStats.PledgeTotals": "PledgeTotals",
    "ServiceStats.TweetTotals": "TweetTotals",
    "ServiceStats.WriteTotals": "WriteTotals",
    "CheckService.Result": "CheckReport",
    "CheckService.CounterCheck": "CounterCheck",
    "ClaimOutbox.Result": "OutboxClaim",
    "AckOutbox.Result": "OutboxAck",
    "FailOutbox.Result": "OutboxFailure",
    "ImportCampaign.Result": "ImportResult",
    "Page<PublicSignature>": "PublicSignaturePage",
    "Page<SignatureRecord>": "SignatureRecordPage",
    "RecentPledges.Result": "PublicPledgeList",
    "Page<PledgeRecord>": "PledgeRecordPage",
    "ListEvents.Result": "EventList",
    "Page<RSVPRecord>": "RSVPRecordPage",
    "ListTweets.Result": "TweetList",
    "ClickTweet.Result": "TweetClick",
    "GetCampaign.Result": "Campaign",
    "Subscribe.Result": "Subscription",
    "ExportPerson.Result": "PersonRecords",
    "ErasePerson.Result": "PersonErasure",
    "BackupService.Result": "Backup",
}

# Notifications the service sends (document's top-level `x-notifications`): wire name -> Swift type of the params.
NOTIFICATIONS = {
    "campaign.changed": "CampaignChanged",
}

# Swift types with their own single-value coding: their stored properties are not their wire form.
SINGLE_VALUE = {"Timestamp", "JSONValue"}

# Swift types written inline as a primitive (their own coding): `events.update`'s capacity is a number, or null
# for no limit.
INLINE_PRIMITIVE = {"CapacityChange": "integer"}

passed = 0
failed = 0


def check(name, problems):
    """Records one check; `problems` is a list of strings (empty: passed)."""
    global passed, failed
    if problems:
        failed += 1
        print(f"FAIL {name}")
        for p in problems[:20]:
            print(f"     {p}")
        if len(problems) > 20:
            print(f"     ... and {len(problems) - 20} more")
    else:
        passed += 1
        print(f"ok   {name}")


def errors_of(validator, instance):
    return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in validator.iter_errors(instance)]


def load_json(path):
    try:
        return json.loads(path.read_text()), []
    except (OSError, ValueError) as e:
        return None, [f"{path}: {e}"]


# ---------------------------------------------------------------------------------------------- refs


def pointer(doc, ref):
    node = doc
    for part in ref[2:].split("/") if ref != "#" else []:
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            raise KeyError(ref)
    return node


def refs_in(node, path="#"):
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield path, node["$ref"]
        for k, v in node.items():
            yield from refs_in(v, f"{path}/{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from refs_in(v, f"{path}/{i}")


def dangling_refs(doc):
    problems = []
    for where, ref in refs_in(doc):
        if not ref.startswith("#"):
            problems.append(f"{where}: {ref} points outside the document")
            continue
        try:
            pointer(doc, ref)
        except KeyError:
            problems.append(f"{where}: {ref} does not resolve")
    return problems


def strict(node):
    """A copy in which every object schema that lists properties refuses undeclared ones."""
    if isinstance(node, dict):
        out = {k: strict(v) for k, v in node.items()}
        if isinstance(node.get("properties"), dict) and "additionalProperties" not in node:
            out["additionalProperties"] = False
        return out
    if isinstance(node, list):
        return [strict(v) for v in node]
    return node


# ------------------------------------------------------------------------------------- Swift types


def swift_types(root):
    """Every struct and enum under `root`: qualified name -> {kind, conforms, props, cases, static, encoded}.
    `encoded` names the properties a hand-written `encode(to:)` writes with `encode` (not `encodeIfPresent`): an
    optional one among them is on the wire as an explicit null, never absent."""
    types = {}
    header = re.compile(r"\b(struct|enum|extension|protocol)\s+([\w.]+)(?:<[^>]*>)?([^{};]*)\{|\{|\}")
    for path in sorted(root.rglob("*.swift")):
        text = "\n".join(re.sub(r"//.*", "", line) for line in path.read_text().splitlines())
        text = re.sub(r'"(?:[^"\\\n]|\\.)*"', lambda m: m.group(0).replace("{", "(").replace("}", ")"), text)
        stack = []  # (type name or None, depth of its body)
        depth = 0
        pos = 0

        def scan(segment):
            named = [n for n, _ in stack if n]
            if named:
                types[named[-1]]["encoded"].update(re.findall(r"\.encode\((\w+),\s*forKey:", segment))
            if not stack or stack[-1][0] is None or stack[-1][1] != depth:
                return
            t = types[stack[-1][0]]
            for m in re.finditer(r"^\s*(?:public\s+)?(static\s+)?(?:var|let)\s+(\w+)\s*:\s*([^={\n]+?)\s*(?:=.*)?$", segment, re.M):
                if not m.group(1):
                    t["props"].append((m.group(2), m.group(3).strip()))
            for m in re.finditer(r"static\s+let\s+(\w+)\s*=\s*(.+)", segment):
                t["static"][m.group(1)] = m.group(2).strip().strip('"')
            for m in re.finditer(r"typealias\s+Result\s*=\s*(\S+)", segment):
                t["static"]["Result"] = m.group(1)
            for m in re.finditer(r"^\s*case\s+(.+)$", segment, re.M):
                for case in m.group(1).split(","):
                    name, _, raw = case.partition("=")
                    t["cases"].append(raw.strip().strip('"') or name.strip().strip("`"))

        for m in header.finditer(text):
            scan(text[pos:m.start()])
            pos = m.end()
            if m.group(0) == "}":
                depth -= 1
                if stack and stack[-1][1] == depth + 1:
                    stack.pop()
                continue
            depth += 1
            if m.group(1) in ("struct", "enum"):
                outer = [n for n, _ in stack if n]
                qualified = ".".join(outer[-1:] + [m.group(2)])
                types[qualified] = {"kind": m.group(1), "conforms": m.group(3), "props": [], "cases": [], "static": {}, "encoded": set()}
                stack.append((qualified, depth))
            elif m.group(1):
                stack.append((None, depth))
        scan(text[pos:])
    return types


def component_for(swift_type, scope, types):
    """The component name a Swift type maps to, looking for nested types in `scope` first."""
    if swift_type in SWIFT_TO_COMPONENT:
        return SWIFT_TO_COMPONENT[swift_type]
    nested = f"{scope}.{swift_type}" if scope else swift_type
    if nested in types:
        return SWIFT_TO_COMPONENT.get(nested, nested)
    return swift_type


def unwrap_nullable(schema):
    """(schema, nullable): `{"anyOf": [X, {"type": "null"}]}` is a nullable X (how a `$ref` may be null in draft 7,
    where keywords beside `$ref` are ignored); `"type": [..., "null"]` is nullable in place."""
    any_of = schema.get("anyOf")
    if isinstance(any_of, list) and len(any_of) == 2 and {"type": "null"} in any_of:
        return next(s for s in any_of if s != {"type": "null"}), True
    kind = schema.get("type")
    return schema, isinstance(kind, list) and "null" in kind


def type_problems(swift_type, schema, scope, types, generic):
    """Whether `schema` describes a value of `swift_type` (non-optional)."""
    swift_type = generic.get(swift_type, swift_type)
    schema, _ = unwrap_nullable(schema)
    kind = schema.get("type")
    kinds = set(kind if isinstance(kind, list) else [kind]) - {"null"}
    primitive = {"String": "string", "Int": "integer", "Int64": "integer", "Bool": "boolean", "Double": "number"}
    primitive.update(INLINE_PRIMITIVE)
    if swift_type in primitive:
        return [] if kinds == {primitive[swift_type]} else [f"expected {primitive[swift_type]} for {swift_type}, got {schema}"]
    if swift_type.startswith("[String:") and swift_type.endswith("]"):
        if kinds != {"object"} or not isinstance(schema.get("additionalProperties"), dict):
            return [f"expected an object with additionalProperties for {swift_type}"]
        return type_problems(swift_type[len("[String:"):-1].strip(), schema["additionalProperties"], scope, types, generic)
    if swift_type.startswith("[") and swift_type.endswith("]"):
        if kinds != {"array"}:
            return [f"expected an array for {swift_type}"]
        return type_problems(swift_type[1:-1], schema.get("items", {}), scope, types, generic)
    want = COMPONENTS + component_for(swift_type, scope, types)
    return [] if schema.get("$ref") == want else [f"expected $ref {want} for {swift_type}, got {schema}"]


def fields_problems(props, descriptors, scope, types, generic=None, explicit_null=()):
    """Swift stored properties against (name, schema, required, nullable) descriptors. Optionals named in
    `explicit_null` are always on the wire (null when nil), so they must be required and nullable."""
    generic = generic or {}
    problems = []
    swift_names = [n for n, _ in props]
    doc_names = [d[0] for d in descriptors]
    if sorted(swift_names) != sorted(doc_names):
        problems.append(f"fields differ: Swift {swift_names}, document {doc_names}")
    by_name = {d[0]: d for d in descriptors}
    for name, swift_type in props:
        if name not in by_name:
            continue
        _, schema, required, nullable = by_name[name]
        optional = swift_type.endswith("?")
        if not optional and not required:
            problems.append(f"{name}: required in Swift, optional in the document")
        if optional and required and not nullable:
            problems.append(f"{name}: optional in Swift, required in the document without null")
        if optional and name in explicit_null and not (required and nullable):
            problems.append(f"{name}: Swift encodes nil as an explicit null, so the document must make it required and nullable")
        problems += [f"{name}: {p}" for p in type_problems(swift_type.rstrip("?"), schema, scope, types, generic)]
    return problems


def object_descriptors(schema):
    required = set(schema.get("required", []))
    out = []
    for name, sub in schema.get("properties", {}).items():
        inner, nullable = unwrap_nullable(sub)
        out.append((name, inner, name in required, nullable))
    return out


def swift_agreement(doc, types):
    """Methods.all against the methods; each method's fields and result; each component against its type."""
    results = []
    listing = re.search(r"static let all[^=]*=\s*\[(.*?)\]", (SWIFT_SOURCES / "Method.swift").read_text(), re.S)
    registry = re.findall(r"(\w+)\.self", listing.group(1)) if listing else []
    swift_names = [types[t]["static"].get("method") for t in registry if t in types]
    doc_names = [m.get("name") for m in doc["methods"]]
    results.append(("methods are Methods.all, in order", [] if swift_names == doc_names and registry else
                    [f"Swift {swift_names}", f"document {doc_names}"]))

    methods = {m.get("name"): m for m in doc["methods"]}
    for type_name in registry:
        t = types.get(type_name, {"static": {}, "props": []})
        name = t["static"].get("method")
        m = methods.get(name)
        if m is None:
            continue
        problems = []
        role = t["static"].get("role", "").removeprefix("Role.").strip("`")
        if m.get("x-role") != role:
            problems.append(f"x-role {m.get('x-role')!r}, Swift role {role!r}")
        descriptors = [(p["name"], p["schema"], p.get("required", False), False) for p in m.get("params", [])]
        problems += fields_problems(t["props"], descriptors, type_name, types)
        result = t["static"].get("Result") or ("Result" if f"{type_name}.Result" in types else None)
        want = COMPONENTS + component_for(result or "?", type_name, types)
        if m.get("result", {}).get("schema", {}).get("$ref") != want:
            problems.append(f"result schema should be $ref {want}")
        results.append((f"{name} agrees with {type_name}", problems))

    reverse = {v: k for k, v in SWIFT_TO_COMPONENT.items()}
    for comp, schema in doc.get("components", {}).get("schemas", {}).items():
        swift = reverse.get(comp, comp)
        generic = {}
        if swift.startswith("Page<"):
            generic = {"Item": swift[5:-1]}
            swift = "Page"
        if swift in SINGLE_VALUE:
            continue
        t = types.get(swift)
        if t is None:
            results.append((f"component {comp} has a Swift type", [f"no Swift type {swift}"]))
            continue
        scope = swift.rsplit(".", 1)[0] if "." in swift else swift
        if "WireEnum" in t["conforms"]:
            problems = [] if schema.get("enum") == t["cases"] else [f"enum {schema.get('enum')}, Swift {t['cases']}"]
        else:
            problems = fields_problems(t["props"], object_descriptors(schema), scope, types, generic, t["encoded"])
        results.append((f"component {comp} agrees with Swift {swift}", problems))

    documented = {n.get("name"): n for n in doc.get("x-notifications", [])}
    problems = [] if set(documented) == set(NOTIFICATIONS) else [f"x-notifications {sorted(documented)}, expected {sorted(NOTIFICATIONS)}"]
    for name, swift in NOTIFICATIONS.items():
        if types.get(swift, {}).get("static", {}).get("method") != name:
            problems.append(f"Swift {swift} has no static method {name!r}")
        n = documented.get(name)
        if n is not None and n.get("params", {}).get("$ref") != COMPONENTS + component_for(swift, None, types):
            problems.append(f"{name}: params should be $ref {COMPONENTS + component_for(swift, None, types)}")
    results.append(("x-notifications are the Swift notification types", problems))
    return results


# -------------------------------------------------------------------------------------------- main


def main():
    meta_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    doc, problems = load_json(OPENRPC)
    check("Schemas/openrpc.json is JSON", problems)
    if doc is None:
        return finish()

    # 1. The OpenRPC meta-schema.
    if meta_dir is not None and meta_dir.is_dir():
        meta = json.loads((meta_dir / "openrpc-1.3.schema.json").read_text())
        tools = json.loads((meta_dir / "json-schema-tools-meta-schema.json").read_text())
        tools_resource = Resource(contents=tools, specification=DRAFT7)
        # The meta-schema refers to it both with and without the trailing slash.
        registry = Registry().with_resources(
            [("https://meta.json-schema.tools/", tools_resource), ("https://meta.json-schema.tools", tools_resource)])
        check("openrpc.json validates against the OpenRPC 1.3 meta-schema", errors_of(Draft7Validator(meta, registry=registry), doc))
    else:
        print(f"skip openrpc.json against the OpenRPC meta-schema: no folder {meta_dir or '(none given)'}")

    # 2. Shape rules of this project.
    shape = []
    if doc.get("openrpc") != "1.3.2" or doc.get("info", {}).get("title") != "campaignd":
        shape.append("openrpc must be 1.3.2 and info.title campaignd")
    for m in doc.get("methods", []):
        if m.get("paramStructure") != "by-name":
            shape.append(f"{m.get('name')}: paramStructure must be by-name")
        if m.get("x-role") not in ("public", "admin"):
            shape.append(f"{m.get('name')}: x-role must be public or admin")
        if not m.get("examples"):
            shape.append(f"{m.get('name')}: no examples")
        for e in m.get("errors", []):
            if set(e) != {"$ref"} or not e["$ref"].startswith("#/components/errors/"):
                shape.append(f"{m.get('name')}: errors must $ref #/components/errors/")
    check("methods are by-name, have an x-role, examples and error refs", shape)

    # 3. References.
    check("every $ref in openrpc.json resolves", dangling_refs(doc))

    # 4. The Swift wire types.
    if SWIFT_SOURCES.is_dir():
        for name, problems in swift_agreement(doc, swift_types(SWIFT_SOURCES)):
            check(name, problems)
    else:
        print(f"skip agreement with the Swift types: no folder {SWIFT_SOURCES}")

    # 5. Examples, against a strict copy of the document.
    strict_doc = strict(doc)
    registry = Registry().with_resource(DOC_URI, Resource(contents=strict_doc, specification=DRAFT7))
    formats = FormatChecker()

    def validator(path):
        return Draft7Validator({"$ref": f"{DOC_URI}#{path}"}, registry=registry, format_checker=formats)

    for i, m in enumerate(doc.get("methods", [])):
        params = {p["name"]: (j, p) for j, p in enumerate(m.get("params", []))}
        for e in m.get("examples", []):
            problems = []
            given = {p.get("name"): p.get("value") for p in e.get("params", [])}
            problems += [f"unknown param {n}" for n in given if n not in params]
            problems += [f"missing required param {n}" for n, (_, p) in params.items() if p.get("required") and n not in given]
            for n, value in given.items():
                if n in params:
                    j = params[n][0]
                    problems += [f"params.{n}: {p}" for p in errors_of(validator(f"/methods/{i}/params/{j}/schema"), value)]
            if "result" not in e or "value" not in e["result"]:
                problems.append("no result value")
            else:
                problems += [f"result: {p}" for p in errors_of(validator(f"/methods/{i}/result/schema"), e["result"]["value"])]
            check(f"example {m.get('name')} / {e.get('name')}", problems)
    for i, n in enumerate(doc.get("x-notifications", [])):
        if not n.get("examples"):
            check(f"notification {n.get('name')} has examples", ["no examples"])
        for e in n.get("examples", []):
            problems = errors_of(validator(f"/x-notifications/{i}/params"), e.get("value"))
            check(f"example {n.get('name')} / {e.get('name')}", problems)

    # 6. The campaign definition schema, and the example definitions.
    campaign, problems = load_json(CAMPAIGN_SCHEMA)
    if campaign is not None:
        problems = [str(e.message) for e in Draft202012Validator(Draft202012Validator.META_SCHEMA).iter_errors(campaign)]
    check("campaign.schema.json is a valid 2020-12 schema", problems)
    if campaign is None:
        return finish()

    components = doc.get("components", {}).get("schemas", {})
    as_doc = json.loads(json.dumps(campaign.get("$defs", {})).replace('"#/$defs/', f'"{COMPONENTS}'))
    problems = [f"$defs/{k} differs from components/schemas/{k}" for k, v in as_doc.items() if components.get(k) != v]
    root = {k: v for k, v in campaign.items() if k in ("type", "required", "additionalProperties")}
    root["properties"] = {k: v for k, v in campaign.get("properties", {}).items() if k != "$schema"}
    definition = components.get("CampaignDefinition", {})
    root_doc = json.loads(json.dumps(root).replace('"#/$defs/', f'"{COMPONENTS}'))
    if any(definition.get(k) != root_doc.get(k) for k in ("type", "properties", "required", "additionalProperties")):
        problems.append("the root differs from components/schemas/CampaignDefinition")
    check("campaign.schema.json agrees with openrpc.json's components", problems)

    files = sorted(EXAMPLES.glob("*.json"))
    check("Schemas/examples has example definitions", [] if files else ["no files"])
    file_validator = Draft202012Validator(campaign, format_checker=formats)
    for path in files:
        value, problems = load_json(path)
        if value is not None:
            problems = errors_of(file_validator, value)
            # What campaign.import would decode (a leading "$schema" is the file's, not the definition's).
            body = {k: v for k, v in value.items() if k != "$schema"} if isinstance(value, dict) else value
            problems += [f"as campaign.import params: {p}" for p in errors_of(validator("/components/schemas/CampaignDefinition"), body)]
        check(f"{path.relative_to(REPO)} validates against campaign.schema.json", problems)

    return finish()


def finish():
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
