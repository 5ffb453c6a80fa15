"""The served sandbox's certificate authority: one CA made at start, and a leaf certificate per host.

The clients that talk to the served sandbox verify TLS as they would against Azure; they trust this CA only
because the operator points `SSL_CERT_FILE` / `REQUESTS_CA_BUNDLE` at its certificate. The CA's private key
lives in memory and dies with the process, so a copied certificate file can never be used to sign anything:
a restart makes a new CA (and the exports name the same file, rewritten).

Keys are ECDSA P-256: a leaf is made on the first CONNECT to a host, and P-256 takes microseconds where RSA
takes tens of milliseconds. Every client stack here (OpenSSL via ssl, aiohttp, httpx, requests) accepts it.
"""

from __future__ import annotations

import datetime as dt
import ssl
import tempfile
import threading
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_NAME = "byok-tui sandbox CA"
VALIDITY = dt.timedelta(days=30)
BACKDATE = dt.timedelta(hours=1)
"""Certificates start an hour back, so a client whose clock runs a little behind still accepts them."""


class SandboxCA:
    """A throwaway CA and the TLS server contexts it signs, one per host, made on first use."""

    def __init__(self, now: dt.datetime | None = None) -> None:
        self._now = now or dt.datetime.now(dt.UTC)
        self._key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, CA_NAME),
                          x509.NameAttribute(NameOID.ORGANIZATION_NAME, "byok-tui")])  # fmt: skip
        public = self._key.public_key()
        self.certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(public)
            .serial_number(x509.random_serial_number())
            .not_valid_before(self._now - BACKDATE)
            .not_valid_after(self._now + VALIDITY)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_key_usage(cert_sign=True), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
            .sign(self._key, hashes.SHA256())
        )
        self._contexts: dict[str, ssl.SSLContext] = {}
        self._guard = threading.Lock()

    @property
    def pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def write(self, path: Path) -> Path:
        """Write the CA certificate (public: no key) for clients to trust."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(self.pem)
        tmp.replace(path)
        return path

    def leaf(self, host: str) -> tuple[bytes, bytes]:
        """(certificate PEM, private key PEM) for `host`, signed by this CA."""
        key = ec.generate_private_key(ec.SECP256R1())
        public = key.public_key()
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]))
            .issuer_name(self.certificate.subject)
            .public_key(public)
            .serial_number(x509.random_serial_number())
            .not_valid_before(self._now - BACKDATE)
            .not_valid_after(self._now + VALIDITY)
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_key_usage(cert_sign=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self._key.public_key()), critical=False
            )
            .sign(self._key, hashes.SHA256())
        )
        key_pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        return cert.public_bytes(serialization.Encoding.PEM), key_pem

    def server_context(self, host: str) -> ssl.SSLContext:
        """A TLS server context presenting `host`'s leaf certificate (made once per host)."""
        host = host.lower()
        with self._guard:
            context = self._contexts.get(host)
            if context is None:
                context = self._contexts[host] = self._make_context(host)
            return context

    def _make_context(self, host: str) -> ssl.SSLContext:
        cert_pem, key_pem = self.leaf(host)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.set_alpn_protocols(["http/1.1"])
        # ssl loads a chain only from files; they live for the blink of the load, readable by us alone.
        with tempfile.TemporaryDirectory(prefix="byok-tui-leaf-") as folder:
            chain, key = Path(folder, "chain.pem"), Path(folder, "key.pem")
            chain.write_bytes(cert_pem + self.pem)
            key.touch(mode=0o600)
            key.write_bytes(key_pem)
            context.load_cert_chain(chain, key)
        return context


def _key_usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )
