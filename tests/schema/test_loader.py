from pathlib import Path

import pytest

from kgmem.errors import SchemaFileError
from kgmem.process.resources import resource_dir
from kgmem.schema import load_schema, schema_files

REQUIRED_VERTICES = {
    "Entity",
    "Person",
    "Organization",
    "Place",
    "Event",
    "Concept",
    "Document",
    "Episode",
    "Source",
}
REQUIRED_EDGES = {
    "MENTIONS",
    "RELATED_TO",
    "CAUSES",
    "PRECEDES",
    "LOCATED_IN",
    "PART_OF",
    "WORKS_AT",
    "ASSERTS",
}


def builtin():
    return load_schema(schema_files(resource_dir("graph_schema")))


def test_builtin_schema_declares_the_required_labels() -> None:
    schema = builtin()
    assert set(schema.vertices) >= REQUIRED_VERTICES
    assert set(schema.edges) >= REQUIRED_EDGES


def test_builtin_schema_marks_functional_and_causal_predicates() -> None:
    schema = builtin()
    assert schema.is_functional("WORKS_AT")
    assert not schema.is_functional("MENTIONS")
    assert schema.is_causal("CAUSES")
    assert not schema.is_causal("WORKS_AT")
    assert not schema.is_functional("NOT_DECLARED")


def test_common_properties_apply_to_declared_and_ad_hoc_labels() -> None:
    schema = builtin()
    assert schema.vertices["Person"].properties["name"].indexed
    assert "birth_date" in schema.vertices["Person"].properties
    adhoc = schema.label("Spaceship", "vertex")
    assert "name" in adhoc.properties and "birth_date" not in adhoc.properties
    assert schema.indexed_properties("Spaceship", "vertex") == ("name",)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_user_file_adds_labels(tmp_path: Path) -> None:
    extra = write(
        tmp_path,
        "extra.toml",
        """
[vertex.Drug]
description = "A medicine"
properties = { dose_mg = { type = "float", required = true } }

[edge.TREATS]
causal = true
""",
    )
    schema = load_schema(schema_files(resource_dir("graph_schema"), [extra]))
    assert schema.vertices["Drug"].properties["dose_mg"].required
    assert schema.is_causal("TREATS")
    assert str(extra) in schema.files


def test_predicates_declare_how_their_values_compare(tmp_path: Path) -> None:
    extra = write(
        tmp_path,
        "values.toml",
        """
[edge.AUTHORS]
functional = true
value = "names"

[edge.POPULATION]
value = { type = "number", rel_tol = 0.02, abs_tol = 10 }
""",
    )
    schema = load_schema(schema_files(resource_dir("graph_schema"), [extra]))
    assert schema.value_type("AUTHORS").kind == "names"
    population = schema.value_type("POPULATION")
    assert (population.kind, population.rel_tol, population.abs_tol) == ("number", 0.02, 10.0)
    assert schema.value_type("UNDECLARED").kind == "auto"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[vertex.Person]\n", "already declared"),
        ('[vertex."__kgmem_x"]\n', "vertex.__kgmem_x: label '__kgmem_x' begins with __kgmem_"),
        ('[vertex.Ok]\nproperties = { age = "strng" }\n', "vertex.Ok.properties.age: unknown type"),
        ('[vertex.Ok]\nproperties = { "bad-key" = "string" }\n', "vertex.Ok.properties.bad-key"),
        ("[vertex.Ok]\nfunctional = true\n", "vertex.Ok.functional: unknown key"),
        ('[edge.E]\nfunctional = "yes"\n', "edge.E.functional: expected bool"),
        ("[thing.X]\n", "thing: unknown key"),
        ("[vertex.Ok\n", "not valid TOML"),
        ('[vertex.Ok]\nproperties = { uid = "string" }\n', "'uid' is kgmem's own key"),
        ("[common.node]\n", "expected 'vertex' or 'edge'"),
        ("[edge.WORKS_AT]\n", "already declared"),
        ('[edge.E]\nvalue = "money"\n', "edge.E.value: unknown value type 'money'"),
        ('[edge.E]\nvalue = { type = "number", rel_tol = -1 }\n', "edge.E.value.rel_tol"),
        ('[edge.E]\nvalue = { type = "number", unit = "m" }\n', "edge.E.value.unit: unknown key"),
        ('[edge.E]\nobject = "Planet"\n', "edge.E.object: 'Planet' is not a declared vertex"),
        ("[edge.E]\nobject = 3\n", "edge.E.object: expected str"),
        ('[vertex.V]\nobject = "Place"\n', "vertex.V.object: unknown key"),
    ],
)
def test_bad_schema_files_name_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    bad = write(tmp_path, "bad.toml", text)
    with pytest.raises(SchemaFileError) as err:
        load_schema(schema_files(resource_dir("graph_schema"), [bad]))
    assert str(bad) in err.value.detail
    assert message in err.value.detail


def test_duplicate_label_across_two_user_files_names_both(tmp_path: Path) -> None:
    one = write(tmp_path, "one.toml", "[vertex.Robot]\n")
    two = write(tmp_path, "two.toml", "[edge.Robot]\n")
    with pytest.raises(SchemaFileError) as err:
        load_schema([one, two])
    assert str(one) in err.value.detail and str(two) in err.value.detail


def test_missing_user_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(SchemaFileError, match="not found"):
        schema_files(resource_dir("graph_schema"), [tmp_path / "nope.toml"])


def test_an_edge_names_the_label_of_its_objects() -> None:
    schema = load_schema(schema_files(resource_dir("graph_schema"), []))
    assert schema.object_label("LIVES_IN") == "Place"
    assert schema.object_label("WORKS_AT") == "Organization"
    assert schema.object_label("KNOWS") == "Entity" and schema.object_label("MENTIONS") == "Entity"
