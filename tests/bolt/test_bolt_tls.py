"""Bolt over TLS when a certificate and key are configured: the driver connects with
``bolt+ssc://`` and a plain connection gets nowhere."""

import asyncio
import datetime as dt
import time
from pathlib import Path

import neo4j
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from neo4j.exceptions import ServiceUnavailable

from kgmem import Memory
from kgmem.bolt import BoltServer
from kgmem.settings.config import BoltSettings


def _self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


async def test_tls_only_when_configured(memory: Memory, namespace: str, tmp_path: Path) -> None:
    cert, key = _self_signed(tmp_path)
    server = BoltServer(memory, BoltSettings(port=0, tls_cert=cert, tls_key=key))
    await server.start()
    try:
        uri = f"bolt+ssc://127.0.0.1:{server.port}"
        async with neo4j.AsyncGraphDatabase.driver(uri, auth=("any", "")) as driver:
            records, _, _ = await driver.execute_query("RETURN 5 AS x", database_=namespace)
        assert records[0]["x"] == 5
        plain = f"bolt://127.0.0.1:{server.port}"
        async with neo4j.AsyncGraphDatabase.driver(
            plain, auth=("any", ""), connection_timeout=5, max_transaction_retry_time=0
        ) as driver:
            with pytest.raises(ServiceUnavailable):
                await driver.execute_query("RETURN 5 AS x", database_=namespace)
    finally:
        await server.stop()


async def test_sockets_that_never_start_tls_count_as_unauthenticated(
    memory: Memory, namespace: str, tmp_path: Path
) -> None:
    cert, key = _self_signed(tmp_path)
    settings = BoltSettings(
        port=0,
        tls_cert=cert,
        tls_key=key,
        handshake_timeout_s=1.0,
        max_unauthenticated_connections_per_address=2,
    )
    server = BoltServer(memory, settings)
    await server.start()
    try:
        async with asyncio.timeout(20):
            held = [await _silent(server.port) for _ in range(2)]
            started = time.monotonic()
            third = await _silent(server.port)
            held.append(third)
            assert await third[0].read() == b""  # refused at once, not held
            assert time.monotonic() - started < 1.0
            uri = f"bolt+ssc://127.0.0.1:{server.port}"  # another address: served
            async with neo4j.AsyncGraphDatabase.driver(uri, auth=("any", "")) as driver:
                records, _, _ = await driver.execute_query("RETURN 5 AS x", database_=namespace)
            assert records[0]["x"] == 5
            for reader, _ in held:
                assert await reader.read() == b""  # closed at the handshake timeout
            assert 0.9 < time.monotonic() - started < 1.0 + 1.5
            for _, writer in held:
                writer.close()
    finally:
        await server.stop()


async def _silent(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A plain socket from 127.0.0.2 that never starts TLS."""
    return await asyncio.open_connection("127.0.0.1", port, local_addr=("127.0.0.2", 0))
