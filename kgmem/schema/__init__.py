"""The declarative graph model and the identifier rules (see graph_schema/*.toml)."""

from kgmem.schema.graph_schema import GraphSchema, LabelKind, LabelSpec, PropertySpec
from kgmem.schema.identifiers import (
    validate_label,
    validate_namespace_name,
    validate_property_key,
    validate_uid,
)
from kgmem.schema.loader import load_schema, schema_files
from kgmem.schema.properties import PropertyLimits, normalise_properties

__all__ = [
    "GraphSchema",
    "LabelKind",
    "LabelSpec",
    "PropertyLimits",
    "PropertySpec",
    "load_schema",
    "normalise_properties",
    "schema_files",
    "validate_label",
    "validate_namespace_name",
    "validate_property_key",
    "validate_uid",
]
