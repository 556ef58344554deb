"""Demo public-key infrastructure (hạ tầng khóa công khai thử nghiệm): a root CA and one certificate per agency.

`make run` calls `manage.py results_demo_pki`, which writes under ``var/pki/``:

- ``ca.pem`` and ``ca.key.pem``: the self-signed root "motcua demo CA" (the trust root of verification);
- ``<agency code>.p12``: the agency's signing key and certificate (CN and O = agency name, C = VN), with the
  CA certificate in the chain, protected by ``MOTCUA_SIGNING_P12_PASSPHRASE``.

Existing files are kept, so running it again changes nothing. Production keys come from the national CA
(or a hardware token, see docs/results.md) and never from this module.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_NAME = "motcua demo CA"
CA_CERT_FILE = "ca.pem"
CA_KEY_FILE = "ca.key.pem"
VALIDITY_DAYS = 3650


@dataclass(frozen=True)
class DemoCA:
    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey


def _name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def create_ca(*, now: dt.datetime | None = None) -> DemoCA:
    """A new self-signed root certificate authority (ECDSA P-256)."""
    moment = now or dt.datetime.now(dt.UTC)
    key = _new_key()
    name = _name(CA_NAME, "motcua")
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(moment - dt.timedelta(days=1))
        .not_valid_after(moment + dt.timedelta(days=VALIDITY_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return DemoCA(certificate=certificate, key=key)


def issue(
    ca: DemoCA, *, name: str, now: dt.datetime | None = None
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """A signing certificate for an agency: subject CN = O = `name`, C = VN; non-repudiation usage."""
    moment = now or dt.datetime.now(dt.UTC)
    key = _new_key()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name(name, name))
        .issuer_name(ca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(moment - dt.timedelta(days=1))
        .not_valid_after(moment + dt.timedelta(days=VALIDITY_DAYS - 1))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.certificate.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(ca.key, hashes.SHA256())
    )
    return certificate, key


def pkcs12_bytes(ca: DemoCA, certificate: x509.Certificate, key: ec.EllipticCurvePrivateKey, passphrase: str) -> bytes:
    encryption = (
        serialization.BestAvailableEncryption(passphrase.encode()) if passphrase else serialization.NoEncryption()
    )
    return pkcs12.serialize_key_and_certificates(
        name=certificate.subject.rfc4514_string().encode(),
        key=key,
        cert=certificate,
        cas=[ca.certificate],
        encryption_algorithm=encryption,
    )


def load_or_create_ca(directory: Path) -> tuple[DemoCA, bool]:
    """The CA kept in `directory` (created when missing); True when it was created now."""
    cert_path, key_path = directory / CA_CERT_FILE, directory / CA_KEY_FILE
    if cert_path.exists() and key_path.exists():
        certificate = x509.load_pem_x509_certificate(cert_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ValueError(f"{key_path} is not an EC private key")
        return DemoCA(certificate=certificate, key=key), False
    directory.mkdir(parents=True, exist_ok=True)
    ca = create_ca()
    key_path.write_bytes(
        ca.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    key_path.chmod(0o600)
    cert_path.write_bytes(ca.certificate.public_bytes(serialization.Encoding.PEM))
    return ca, True


def p12_filename(agency_code: str) -> str:
    return f"{agency_code}.p12"


def ensure_agency_keys(directory: Path, agencies: Iterable[tuple[str, str]], passphrase: str) -> tuple[bool, list[str]]:
    """Create the CA and a PKCS#12 per (agency code, agency name) that has none; idempotent.

    Returns whether the CA was created and the codes of the agencies that got a new file.
    """
    ca, created = load_or_create_ca(directory)
    made: list[str] = []
    for code, name in agencies:
        path = directory / p12_filename(code)
        if path.exists():
            continue
        certificate, key = issue(ca, name=name)
        path.write_bytes(pkcs12_bytes(ca, certificate, key, passphrase))
        path.chmod(0o600)
        made.append(code)
    return created, made
