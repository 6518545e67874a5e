"""The registry of asset and relationship types.

The seed's types are the built-in entries; a project's `shotkit.yaml` adds custom ones. The
JSON Schema (`shotkit.schema`), the model builder and the graph checks all read this registry,
so a custom type is checked exactly like a built-in one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .problems import did_you_mean

STRING = {"type": "string"}
NUMBER = {"type": "number"}
NON_NEGATIVE = {"type": "number", "minimum": 0}


@dataclass(frozen=True)
class Field:
    """A manifest field of an asset, stored in a column or under a key of `asset_metadata`."""

    name: str
    schema: dict[str, Any]
    column: str | None = None
    float_column: bool = False

    @property
    def meta_key(self) -> str | None:
        return None if self.column else self.name


@dataclass(frozen=True)
class AssetType:
    name: str
    section: str | None = None  # the manifest's top-level section, for the seed's types
    fields: tuple[Field, ...] = ()
    builtin: bool = False
    nested: bool = False  # declared inside another asset (takes in shots, videos in takes)

    @property
    def meta_keys(self) -> set[str]:
        return {f.name for f in self.fields if f.column is None}


@dataclass(frozen=True)
class RelationshipType:
    name: str
    parent: str
    child: str
    field: str | None = None  # the parent's list field, for the seed's types; else `links:`
    builtin: bool = False
    nested: bool = False


URL = Field("url", STRING, column="url")
DURATION = Field("duration", NON_NEGATIVE, column="duration", float_column=True)
DESCRIPTION = Field("description", STRING)

BUILTIN_ASSET_TYPES = (
    AssetType("character_ref", "characters", (DESCRIPTION, URL), builtin=True),
    AssetType("audio", "audio", (URL, DURATION, Field("kind", STRING)), builtin=True),
    AssetType("script", "scripts", (Field("text", STRING), Field("file", STRING)), builtin=True),
    AssetType(
        "shot",
        "shots",
        (
            Field("shot_number", STRING),
            DESCRIPTION,
            Field("camera_angle", STRING),
            Field("duration_target", NON_NEGATIVE),
            Field("prompt", STRING),
        ),
        builtin=True,
    ),
    AssetType("shot_take", None, (), builtin=True, nested=True),
    AssetType(
        "video",
        None,
        (
            URL,
            DURATION,
            Field("width", {"type": "integer", "minimum": 1}),
            Field("height", {"type": "integer", "minimum": 1}),
            Field("fps", {"type": "number", "exclusiveMinimum": 0}),
        ),
        builtin=True,
        nested=True,
    ),
)

BUILTIN_RELATIONSHIP_TYPES = (
    RelationshipType("uses_character", "shot", "character_ref", "characters", builtin=True),
    RelationshipType("uses_audio", "shot", "audio", "audio", builtin=True),
    RelationshipType("uses_script", "shot", "script", "scripts", builtin=True),
    RelationshipType("generation_attempt", "shot", "shot_take", "takes", builtin=True, nested=True),
    RelationshipType("generated_video", "shot_take", "video", "video", builtin=True, nested=True),
)

CUSTOM_FIELDS = (DESCRIPTION, URL, DURATION)
# Take metadata keys as the seed queries them; the manifest field on the left.
TAKE_FIELDS = {
    "attempt": "attempt_number",
    "selected": "selected",
    "generation": "generation_params",
    "cost": "generation_cost",
    "quality_score": "quality_score",
    "director_notes": "director_notes",
}


@dataclass(frozen=True)
class Registry:
    asset_types: dict[str, AssetType] = field(default_factory=dict)
    relationship_types: dict[str, RelationshipType] = field(default_factory=dict)

    @property
    def sections(self) -> dict[str, AssetType]:
        return {t.section: t for t in self.asset_types.values() if t.section}

    @property
    def custom_asset_types(self) -> list[AssetType]:
        return [t for t in self.asset_types.values() if not t.builtin]

    def list_fields(self, asset_type: str) -> dict[str, RelationshipType]:
        """The seed-style list fields an asset of this type has (`characters:` on a shot)."""
        return {
            r.field: r
            for r in self.relationship_types.values()
            if r.parent == asset_type and r.field and not r.nested
        }

    @property
    def link_types(self) -> list[RelationshipType]:
        """Relationship types declared under `links:` (every non-built-in one)."""
        return [r for r in self.relationship_types.values() if not r.builtin]


def builtin_registry() -> Registry:
    return Registry(
        {t.name: t for t in BUILTIN_ASSET_TYPES},
        {r.name: r for r in BUILTIN_RELATIONSHIP_TYPES},
    )


def extend(
    registry: Registry, asset_types: dict[str, Any], relationship_types: dict[str, Any]
) -> tuple[Registry, list[tuple[tuple[Any, ...], str]]]:
    """Add a project's custom types; returns the new registry and the problems, each with
    its path in shotkit.yaml."""
    problems: list[tuple[tuple[Any, ...], str]] = []
    assets = dict(registry.asset_types)
    for name in asset_types:
        if name in assets:
            problems.append((("asset_types", name), f"asset type '{name}' is built in; pick another name"))
            continue
        assets[name] = AssetType(name, None, CUSTOM_FIELDS)
    relationships = dict(registry.relationship_types)
    for name, spec in relationship_types.items():
        if name in relationships:
            problems.append(
                (("relationship_types", name), f"relationship type '{name}' is built in; pick another name")
            )
            continue
        for end in ("parent", "child"):
            where = ("relationship_types", name, end)
            if spec[end] not in assets:
                problems.append(
                    (
                        where,
                        f"relationship type '{name}': {end} type '{spec[end]}' is not an asset type{did_you_mean(spec[end], assets)}",
                    )
                )
            elif assets[spec[end]].nested:
                problems.append(
                    (
                        where,
                        f"relationship type '{name}': {end} type '{spec[end]}' is declared inside a shot; custom links join top-level assets",
                    )
                )
        relationships[name] = RelationshipType(name, spec["parent"], spec["child"])
    return Registry(assets, relationships), problems
