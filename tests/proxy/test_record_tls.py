"""TLS on both sides of `ocpi-tap record`: upstream verification, and listeners serving a given certificate."""

from __future__ import annotations

import datetime
import ipaddress
import socket
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from upstreams import Peer
from rawhttp import build_request, exchange
from test_record_integration import read_all


def self_signed(directory: Path, name: str) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1, signed by its own key; (certificate, key) PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / f"{name}.crt", directory / f"{name}.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@pytest.fixture
def tls_hub(tmp_path: Path) -> Iterator[tuple[Peer, Path]]:
    cert, key = self_signed(tmp_path, "hub")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    peer = Peer("tls-hub", tls=context).start()
    yield peer, cert
    peer.stop()


def test_upstream_certificates_are_verified_against_the_given_ca(tls_hub, partner: Peer, start_record, tmp_path: Path) -> None:
    hub, hub_cert = tls_hub
    trusted = start_record(hub.url, partner.url, "--upstream-ca", str(hub_cert), capture=tmp_path / "trusted.jsonl")
    assert exchange(trusted.hub_port, build_request("GET", "/ocpi/versions", [])).status == 200
    assert trusted.stop() == 0

    untrusted = start_record(hub.url, partner.url, capture=tmp_path / "untrusted.jsonl")
    assert exchange(untrusted.hub_port, build_request("GET", "/ocpi/versions", [])).status == 502
    assert untrusted.stop() == 0
    [refused], _ = read_all(untrusted.capture)
    assert refused.response is None
    assert refused.error and "certificate" in refused.error.lower()


def test_listeners_serve_the_given_certificate(hub: Peer, partner: Peer, start_record, tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path, "listener")
    proxy = start_record(hub.url, partner.url, "--cert", str(cert), "--key", str(key))
    client = ssl.create_default_context(cafile=str(cert))
    with socket.create_connection(("127.0.0.1", proxy.partner_port), timeout=10) as raw:
        with client.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
            tls.sendall(build_request("GET", "/ocpi/versions", [(b"Host", b"127.0.0.1"), (b"X-Request-ID", b"over-tls")]))
            assert tls.recv(64).startswith(b"HTTP/1.1 200")
    assert proxy.stop() == 0
    [recorded], _ = read_all(proxy.capture)
    assert recorded.direction == "to_partner"
    assert recorded.request.header("X-Request-ID") == "over-tls"
