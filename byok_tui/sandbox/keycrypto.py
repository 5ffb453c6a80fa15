"""Real RSA for the emulated vault: generation, JWK import, and the four key operations.

Padding matches what azure-keyvault-keys does locally (azure-wire §3.3): RSA-OAEP is OAEP with SHA-1 for
hash and MGF1, RSA-OAEP-256 uses SHA-256 for both, RSA1_5 is PKCS#1 v1.5. So a ciphertext the SDK made
locally with the public key decrypts here, and the other way round.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from byok_tui.sandbox.tokens import b64url, b64url_decode

RSA_SIZES = (2048, 3072, 4096)
ALGORITHMS = ("RSA-OAEP", "RSA-OAEP-256", "RSA1_5")


def generate(size: int) -> rsa.RSAPrivateKey:
    """Indirection point: tests swap in a cache so suites do not pay for RSA generation on every key."""
    return rsa.generate_private_key(public_exponent=65537, key_size=size)


def to_pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")


@lru_cache(maxsize=256)
def load(pem: str) -> rsa.RSAPrivateKey:
    """A key the sandbox stored (only `to_pem` output, made from keys OpenSSL generated or validated on
    import). Re-validating it proves nothing and costs 36 ms at 2048 bits, 110 ms at 3072, holding the
    interpreter lock: the demo's UI froze that long at the first decrypt of each key."""
    key = serialization.load_pem_private_key(
        pem.encode("ascii"), password=None, unsafe_skip_rsa_key_validation=True
    )
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def int_b64(value: int) -> str:
    """Big-endian unsigned, base64url without padding (JWK `n`, `e`)."""
    return b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))


def b64_int(text: str) -> int:
    return int.from_bytes(b64url_decode(text), "big")


def public_parts(key: rsa.RSAPrivateKey) -> tuple[str, str]:
    numbers = key.public_key().public_numbers()
    return int_b64(numbers.n), int_b64(numbers.e)


def from_jwk(jwk: dict[str, Any]) -> rsa.RSAPrivateKey:
    """An RSA private key from JWK members n, e, d, p, q (dp, dq, qi derived when absent); ValueError if unusable."""
    try:
        n, e, d = b64_int(jwk["n"]), b64_int(jwk["e"]), b64_int(jwk["d"])
        p, q = b64_int(jwk["p"]), b64_int(jwk["q"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError("an RSA key import needs the private members n, e, d, p and q") from exc
    dp = b64_int(jwk["dp"]) if jwk.get("dp") else rsa.rsa_crt_dmp1(d, p)
    dq = b64_int(jwk["dq"]) if jwk.get("dq") else rsa.rsa_crt_dmq1(d, q)
    qi = b64_int(jwk["qi"]) if jwk.get("qi") else rsa.rsa_crt_iqmp(p, q)
    numbers = rsa.RSAPrivateNumbers(p, q, d, dp, dq, qi, rsa.RSAPublicNumbers(e, n))
    return numbers.private_key()


def _padding(alg: str) -> padding.AsymmetricPadding:
    if alg == "RSA-OAEP":
        return padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=None)
    if alg == "RSA-OAEP-256":
        return padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    if alg == "RSA1_5":
        return padding.PKCS1v15()
    raise ValueError(alg)


def encrypt(key: rsa.RSAPrivateKey, alg: str, plaintext: bytes) -> bytes:
    return key.public_key().encrypt(plaintext, _padding(alg))


def decrypt(key: rsa.RSAPrivateKey, alg: str, ciphertext: bytes) -> bytes:
    return key.decrypt(ciphertext, _padding(alg))
