"""The registry of asset and relationship types.

The seed's types are the built-in entries; a project's `shotkit.yaml` adds custom ones. The
JSON Schema (`shotkit.schema`), the model builder and the graph checks all read this registry,
so a custom type is checked exactly like a built-in one. Takes and their videos are defined
here once (fields, bounds, stored keys, default names, the selected flag): the schema, the
model, canonical form, export and the AssetService derive theirs from these definitions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from .problems import did_you_mean

STRING = {"type": "string"}
NUMBER = {"type": "number"}
NON_NEGATIVE = {"type": "number", "minimum": 0}
MAX_SEQUENCE = 2**31 - 1  # a take's `attempt` is its link's `sequence`, a 32-bit INTEGER column


@dataclass(frozen=True)
class Field:
    """A manifest field of an asset, stored in a column or under a key of `asset_metadata`."""

    name: str
    schema: dict[str, Any]
    column: str | None = None
    float_column: bool = False
    stored_as: str | None = None  # the `asset_metadata` key, when it is not the field's name
    required: bool = False  # only nested entries require fields (a take's `attempt`); others need `name`
    flag: bool = False  # true or false, stored as false when absent, written only when true

    @property
    def meta_key(self) -> str | None:
        return None if self.column else (self.stored_as or self.name)

    @property
    def whole(self) -> bool:
        """JSON Schema's `integer` accepts 1.0; the model refuses it (a take keyed `s1#1.0`)."""
        return self.schema.get("type") == "integer"

    @property
    def free_form(self) -> bool:
        """A mapping of the user's own keys (a take's `generation`): canonical form sorts them."""
        return self.schema.get("type") == "object"


@dataclass(frozen=True)
class AssetType:
    name: str
    section: str | None = None  # the manifest's top-level section, for the seed's types
    fields: tuple[Field, ...] = ()
    builtin: bool = False
    nested: bool = False  # declared inside another asset (takes in shots, videos in takes)

    @cached_property
    def whole_fields(self) -> tuple[str, ...]:
        """The `integer` fields (JSON Schema lets 1.0 pass them; the model refuses it)."""
        return tuple(f.name for f in self.fields if f.whole)

    @cached_property
    def column_fields(self) -> tuple[tuple[str, str, bool], ...]:
        """(field name, column, float column) of each field stored in a column."""
        return tuple((f.name, f.column, f.float_column) for f in self.fields if f.column is not None)

    @cached_property
    def meta_keys(self) -> frozenset[str]:
        return frozenset(key for _, key, _ in self._stored_fields)

    @cached_property
    def _stored_fields(self) -> tuple[tuple[str, str, bool], ...]:
        """(field name, `asset_metadata` key, flag) of each field not stored in a column."""
        return tuple((f.name, f.meta_key, f.flag) for f in self.fields if f.meta_key is not None)

    def stored(self, entry: dict[str, Any]) -> dict[str, Any]:
        """A manifest entry's metadata fields under their `asset_metadata` keys, in field order;
        an absent flag is stored as false (the seed's queries read `selected` on every take)."""
        out: dict[str, Any] = {}
        for name, key, flag in self._stored_fields:
            if flag:
                out[key] = bool(entry.get(name, False))
            elif name in entry:
                out[key] = entry[name]
        return out

    def stored_by_key(self, **values: Any) -> dict[str, Any]:
        """`stored` for values named by their `asset_metadata` keys, None meaning absent (the
        AssetService's arguments are the seed's key names)."""
        by_key = {key: name for name, key, _ in self._stored_fields}
        unknown = sorted(set(values) - set(by_key))
        if unknown:
            raise TypeError(f"{self.name} has no metadata field {unknown[0]!r}")
        return self.stored({by_key[k]: v for k, v in values.items() if v is not None})

    def unstored(self, metadata: dict[str, Any]) -> dict[str, Any]:
        """The inverse of `stored`: the fields found in `metadata`, by manifest name; they are
        removed from `metadata`, which keeps the user's own keys."""
        return {name: metadata.pop(key) for name, key, _ in self._stored_fields if key in metadata}


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

# Takes and their videos, once: the schema, the model, canonical form, export and the
# AssetService all read these definitions.
TAKE = "shot_take"
VIDEO = "video"
ATTEMPT = "generation_attempt"  # shot -> take; the link's sequence is the attempt
GENERATED = "generated_video"  # take -> video
TAKES_FIELD = "takes"  # a shot's list of takes
VIDEO_FIELD = "video"  # a take's one video
ATTEMPT_NUMBER = "attempt_number"  # where a take's `attempt` is stored (the seed's key)
SELECTED_KEY = "selected"  # the selected flag, at most one per shot, stored under its own name
SELECTED = Field(SELECTED_KEY, {"type": "boolean"}, flag=True)
# Where the other take fields are stored: the readers (stats, the shot list, the plan comment)
# use these names, never the strings.
QUALITY_KEY = "quality_score"
NOTES_KEY = "director_notes"
PARAMS_KEY = "generation_params"  # the manifest's `generation:`
COST_KEY = "generation_cost"  # the manifest's `cost:`
ATTEMPT_FIELD = Field(
    "attempt",
    {"type": "integer", "minimum": 1, "maximum": MAX_SEQUENCE},
    stored_as=ATTEMPT_NUMBER,
    required=True,
)
TAKE_TYPE = AssetType(
    TAKE,
    None,
    (  # manifest order (canonical form and the schema follow it); stored under the seed's keys
        ATTEMPT_FIELD,
        SELECTED,
        Field(QUALITY_KEY, NUMBER),
        Field(NOTES_KEY, STRING),
        Field("generation", {"type": "object"}, stored_as=PARAMS_KEY),
        Field("cost", NON_NEGATIVE, stored_as=COST_KEY),
    ),
    builtin=True,
    nested=True,
)
VIDEO_TYPE = AssetType(
    VIDEO,
    None,
    (
        Field("url", STRING, column="url", required=True),
        DURATION,
        Field("width", {"type": "integer", "minimum": 1}),
        Field("height", {"type": "integer", "minimum": 1}),
        Field("fps", {"type": "number", "exclusiveMinimum": 0}),
    ),
    builtin=True,
    nested=True,
)


def take_name(attempt: int) -> str:
    """A take's name when the manifest gives none (the AssetService names its takes so too)."""
    return f"Take {attempt}"


def video_name(take: str) -> str:
    """A video's name when none is given, from its take's name."""
    return f"{take} video"


# Per-link metadata keys shotkit itself reads (the review page and `cut` place and mix a shot's
# audio layers by them); any other key is the user's own, kept as written.
LINK_KEYS = ("offset", "volume")

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
    TAKE_TYPE,
    VIDEO_TYPE,
)

BUILTIN_RELATIONSHIP_TYPES = (
    RelationshipType("uses_character", "shot", "character_ref", "characters", builtin=True),
    RelationshipType("uses_audio", "shot", "audio", "audio", builtin=True),
    RelationshipType("uses_script", "shot", "script", "scripts", builtin=True),
    RelationshipType(ATTEMPT, "shot", TAKE, TAKES_FIELD, builtin=True, nested=True),
    RelationshipType(GENERATED, TAKE, VIDEO, VIDEO_FIELD, builtin=True, nested=True),
)

CUSTOM_FIELDS = (DESCRIPTION, URL, DURATION)


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
