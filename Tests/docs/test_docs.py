#!/usr/bin/env python3
"""Tests of docs/ (`make test-docs`): the generator of docs/methods.md, scripts/openrpc-reference.py, and the
links between the pages."""

import contextlib
import importlib.util
import io
import json
import re
import tempfile
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("openrpc_reference", ROOT / "scripts" / "openrpc-reference.py")
reference = importlib.util.module_from_spec(spec)
spec.loader.exec_module(reference)

DOCUMENT = json.loads((ROOT / "Schemas" / "openrpc.json").read_text(encoding="utf-8"))

# A small document with the shapes the real one may grow: nullable types, inline objects, enums, unions.
SAMPLE = {
    "openrpc": "1.3.2",
    "info": {"title": "sample", "version": "1.0.0"},
    "methods": [
        {
            "name": "things.update",
            "summary": "Change a thing",
            "description": "Changes it.",
            "paramStructure": "by-name",
            "params": [
                {"name": "thingId", "required": True, "schema": {"type": "string", "minLength": 1, "maxLength": 64}},
                {"name": "capacity", "required": False,
                 "schema": {"type": ["integer", "null"], "minimum": 1, "description": "null removes the limit."}},
                {"name": "place", "required": False,
                 "schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"],
                            "additionalProperties": False}},
                {"name": "kind", "required": False, "schema": {"oneOf": [{"$ref": "#/components/schemas/Kind"},
                                                                         {"type": "null"}]}},
            ],
            "result": {"name": "thing", "schema": {"$ref": "#/components/schemas/Thing"}},
            "errors": [{"$ref": "#/components/errors/NotFound"}],
            "examples": [{"name": "Unlimited", "params": [{"name": "thingId", "value": "t1"},
                                                          {"name": "capacity", "value": None}],
                          "result": {"name": "thing", "value": {"id": "t1", "capacity": None}}}],
            "x-role": "admin",
        }
    ],
    "components": {
        "schemas": {
            "Kind": {"type": "string", "enum": ["big", "small"]},
            "Thing": {"type": "object", "properties": {"id": {"type": "string"},
                                                        "capacity": {"type": ["integer", "null"]}},
                      "required": ["id", "capacity"]},
        },
        "errors": {"NotFound": {"code": -32001, "message": "Not found"}},
    },
}


def anchors_and_links(text):
    slugger = reference.Anchors()
    anchors = {slugger.slug(line.lstrip("#").strip()) for line in text.splitlines()
               if re.match(r"#{1,6} ", line)}
    links = set(re.findall(r"\]\(#([^)]+)\)", text))
    return anchors, links


class GeneratorTests(unittest.TestCase):
    def test_sameDocumentGivesTheSameBytes(self):
        self.assertEqual(reference.Reference(DOCUMENT).render(), reference.Reference(DOCUMENT).render())

    def test_everyMethodSchemaAndErrorHasItsSection(self):
        text = reference.Reference(DOCUMENT).render()
        for method in DOCUMENT["methods"]:
            self.assertIn(f"### `{method['name']}`", text)
            self.assertIn(f'"method": "{method["name"]}"', text, "its example request")
        for name in DOCUMENT["components"]["schemas"]:
            self.assertIn(f"\n### {name}\n", text)
        for name in DOCUMENT["components"]["errors"]:
            self.assertIn(f"\n### {name}\n", text)
        for note in DOCUMENT.get("x-notifications", []):
            self.assertIn(f"### `{note['name']}`", text)

    def test_everyLinkPointsAtAHeading(self):
        anchors, links = anchors_and_links(reference.Reference(DOCUMENT).render())
        self.assertEqual(links - anchors, set())

    def test_saysItIsGeneratedAndByWhichCommand(self):
        first = reference.Reference(DOCUMENT).render().splitlines()[0]
        self.assertIn("Generated from Schemas/openrpc.json", first)
        self.assertIn("make docs", first)

    def test_rendersRolesTypesConstraintsAndExamples(self):
        text = reference.Reference(SAMPLE).render()
        self.assertIn("role admin: on the admin listener only", text)
        self.assertIn("| `thingId` | string | yes | 1 to 64 characters |", text)
        self.assertIn("| `capacity` | integer or null | no | ≥ 1 | null removes the limit. |", text)
        self.assertIn("| `place.city` | string | yes |", text)
        self.assertIn("[Kind](#kind) or null", text)
        self.assertIn('`"big"` \\| `"small"`', text)
        self.assertIn("[-32001](#notfound): Not found", text)
        self.assertIn('"capacity": null', text)
        anchors, links = anchors_and_links(text)
        self.assertEqual(links - anchors, set())

    def test_checkPassesWhenCurrentAndFailsWithADiffWhenStale(self):
        with tempfile.TemporaryDirectory() as tmp:
            document = Path(tmp) / "openrpc.json"
            output = Path(tmp) / "methods.md"
            document.write_text(json.dumps(SAMPLE), encoding="utf-8")
            self.assertEqual(reference.main(["--document", str(document), "--output", str(output)]), 0)
            self.assertEqual(reference.main(["--check", "--document", str(document), "--output", str(output)]), 0)

            changed = json.loads(json.dumps(SAMPLE))
            changed["methods"][0]["summary"] = "Change a thing, differently"
            document.write_text(json.dumps(changed), encoding="utf-8")
            errors = io.StringIO()
            with contextlib.redirect_stderr(errors):
                status = reference.main(["--check", "--document", str(document), "--output", str(output)])
            self.assertEqual(status, 1)
            self.assertIn("is stale", errors.getvalue())
            self.assertIn("make docs", errors.getvalue())
            self.assertIn("+**Change a thing, differently**", errors.getvalue())


def github_anchors(path):
    """The anchors GitHub gives the headings of a Markdown file (headings inside code blocks excluded)."""
    slugger = reference.Anchors()
    anchors, fenced = set(), False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and re.match(r"#{1,6} ", line):
            anchors.add(slugger.slug(line.lstrip("#").strip()))
    return anchors


class LinkTests(unittest.TestCase):
    def test_everyLinkBetweenThePagesResolves(self):
        pages = sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md", ROOT / "DEVELOPERS.md"]
        broken = []
        for page in pages:
            text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
            for target in re.findall(r"\]\(([^)\s]+)\)", text):
                if re.match(r"[a-z]+:", target):
                    continue
                file, _, anchor = target.partition("#")
                resolved = (page.parent / file).resolve() if file else page
                if not resolved.exists():
                    broken.append(f"{page.relative_to(ROOT)}: {target} (no such file)")
                elif anchor and resolved.suffix == ".md" and anchor not in github_anchors(resolved):
                    broken.append(f"{page.relative_to(ROOT)}: {target} (no such heading)")
        self.assertEqual(broken, [])

    def test_theReadmeNeedsNothingOutsideTheRepository(self):
        for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
            self.assertNotIn("../shared", page.read_text(encoding="utf-8"), page.name)
            self.assertNotIn("SPEC.md", page.read_text(encoding="utf-8"), page.name)


if __name__ == "__main__":
    unittest.main(verbosity=1)
