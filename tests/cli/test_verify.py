"""``kgmem verify --namespace NS`` re-scores a namespace in the store it is pointed at."""

from __future__ import annotations

from pathlib import Path

from kgmem import BatchWrite, EntityWrite, FactWrite, Memory
from kgmem.verification.calibration import Calibration, Isotonic
from tests.cli.test_serve import env_for, kgmem
from tests.fixtures.database import store_settings


async def test_verify_scores_every_fact(home_dir: Path, fresh_database) -> None:  # type: ignore[no-untyped-def]
    url = await fresh_database()
    memory = await Memory.open(store_settings(url, home_dir))
    try:
        await memory.create_namespace("cli_verify")
        entities = [EntityWrite(uid=u, label="Person") for u in ("ann", "bob")]
        entities += [EntityWrite(uid=u, label="Place") for u in ("oslo", "rome")]
        facts = [
            FactWrite(subject="ann", predicate="LIVES_IN", object="oslo", source=s, uid=f"a-{s}")
            for s in ("s1", "s2")
        ]
        facts.append(FactWrite(subject="ann", predicate="LIVES_IN", object="rome", source="s3"))
        await memory.write_batch("cli_verify", BatchWrite(entities=entities, facts=facts))
    finally:
        await memory.close()
    env = env_for(
        home_dir,
        KGMEM_DATABASE_URL=url,
        KGMEM_EMBEDDING_PROVIDER="none",
        KGMEM_EMBEDDING_DIMENSION="384",
    )
    done = kgmem("verify", "--namespace", "cli_verify", env=env)
    assert done.returncode == 0, done.stderr
    assert "scored 3 facts in 1 data items from 3 claims by 3 sources" in done.stdout
    assert "LIVES_IN compared as category (read from its values" in " ".join(done.stdout.split())
    assert "LIVES_IN trust UNCALIBRATED: no calibration is configured" in " ".join(
        done.stdout.split()
    )
    cal = home_dir / "cal.json"
    cal.write_text(Calibration(Isotonic(), Isotonic()).dumps())
    few = kgmem(
        "verify",
        "--namespace",
        "cli_verify",
        env=env | {"KGMEM_VERIFICATION_CALIBRATION_FILE": str(cal)},
    )
    assert few.returncode == 0, few.stderr
    assert "LIVES_IN trust UNCALIBRATED: too few claims to calibrate: 3 claimed facts" in " ".join(
        few.stdout.split()
    )
    missing = kgmem("verify", "--namespace", "nope_ns", env=env)
    assert missing.returncode == 1 and "nope_ns" in missing.stderr


async def test_verify_an_empty_namespace_and_one_without_sources(  # type: ignore[no-untyped-def]
    home_dir: Path, fresh_database
) -> None:
    url = await fresh_database()
    memory = await Memory.open(store_settings(url, home_dir))
    try:
        await memory.create_namespace("empty_ns")
        await memory.create_namespace("no_sources")
        await memory.write_batch(
            "no_sources",
            BatchWrite(
                entities=[EntityWrite(uid="ann"), EntityWrite(uid="bob")],
                facts=[FactWrite(subject="ann", predicate="KNOWS", object="bob")],
            ),
        )
    finally:
        await memory.close()
    env = env_for(
        home_dir,
        KGMEM_DATABASE_URL=url,
        KGMEM_EMBEDDING_PROVIDER="none",
        KGMEM_EMBEDDING_DIMENSION="384",
    )
    for name in ("empty_ns", "no_sources"):
        done = kgmem("verify", "--namespace", name, env=env)
        assert done.returncode == 0, done.stderr
        assert "Traceback" not in done.stderr
        assert "scored 0 facts in 0 data items from 0 claims by 0 sources" in done.stdout
