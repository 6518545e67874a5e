"""The published JSON Schema: in step with the registry, valid Draft 2020-12, usable by editors."""

from __future__ import annotations

import json

import jsonschema
import yaml

from shotkit.project import load_project
from shotkit.schema import manifest_schema

from .conftest import ROOT

PUBLISHED = ROOT / "schemas" / "manifest.schema.json"


def test_published_schema_is_generated_from_the_registry() -> None:
    assert json.loads(PUBLISHED.read_text()) == manifest_schema(None), (
        "regenerate with: shotkit schema --published > schemas/manifest.schema.json"
    )


def test_published_schema_is_a_valid_2020_12_schema() -> None:
    schema = json.loads(PUBLISHED.read_text())
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"]
    jsonschema.Draft202012Validator.check_schema(schema)


def test_demo_and_valid_cases_pass_the_published_schema_with_python_jsonschema() -> None:
    validator = jsonschema.Draft202012Validator(json.loads(PUBLISHED.read_text()))
    files = list((ROOT / "manifests").glob("*.yaml")) + list(
        (ROOT / "tests" / "manifests" / "valid").glob("*/*.y*ml")
    )
    checked = 0
    for path in files:
        if path.name == "shotkit.yaml" or path.name == "expected.txt":
            continue
        errors = list(validator.iter_errors(yaml.load(path.read_text(), Loader=yaml.SafeLoader)))
        if "yaml11-text" in str(path):
            continue  # PyYAML (YAML 1.1) turns NO into False there: exactly the surprise shotkit avoids
        assert errors == [], f"{path}: {errors[0].message}"
        checked += 1
    assert checked >= 5


def test_project_schema_knows_custom_types() -> None:
    project = load_project([ROOT / "tests" / "manifests" / "valid" / "custom-types"])
    schema = manifest_schema(project.registry)
    assert "prop" in schema["properties"]["assets"]["properties"]
    assert set(schema["$defs"]["links"]["properties"]) == {"uses_prop", "continues_from"}
    assert schema["$defs"]["links"]["additionalProperties"] is False


def test_values_no_database_can_store_are_located_and_do_not_hide_the_rest() -> None:
    # a `!!set` is refused by the YAML layer; the validator still guards against such values,
    # which made jsonschema_rs give up on the whole file (issue 10)
    from shotkit.schema import Validator

    data = {
        "shotkit": 1,
        "characters": {"a": {"name": "A", "metadata": {"tags": {"x"}}}, "b": {"name": "B", "bogus": 1}},
        "shots": {"01": {"name": "\x00"}},
    }
    found = sorted((path, message) for path, message, _ in Validator(manifest_schema(None)).errors(data))
    assert found == [
        (
            ("characters", "a", "metadata", "tags"),
            "characters.a.metadata.tags: a set (`!!set`) is not a manifest value; write a list",
        ),
        (("characters", "b", "bogus"), "characters.b.bogus: unknown field 'bogus'"),
        (
            ("shots", "01", "name"),
            "shots.01.name: text holds U+0000 (a NUL character), which PostgreSQL cannot store; remove the `\\0` escape",
        ),
    ]


def test_unknown_fields_and_sections_suggest_the_close_name() -> None:
    from shotkit.schema import Validator

    data = {
        "shotkit": 1,
        "shot": {},
        "shots": {"s": {"name": "S", "promt": "p", "takes": [{"attempt": 1, "slected": True}]}},
    }
    messages = sorted(message for _, message, _ in Validator(manifest_schema(None)).errors(data))
    assert messages == [
        "shot: unknown field 'shot' (did you mean 'shots'?)",
        "shots.s.promt: unknown field 'promt' (did you mean 'prompt'?)",
        "shots.s.takes[0].slected: unknown field 'slected' (did you mean 'selected'?)",
    ]
