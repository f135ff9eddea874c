#!/usr/bin/env python3
"""Verify a certificate signature offline with only the service's public key.

    verify_certificate.py PUBLIC_KEY_PEM CONTENT_FILE SIGNATURE_FILE [--canonical]

PUBLIC_KEY_PEM is the SubjectPublicKeyInfo PEM that GetSigningKey publishes; CONTENT_FILE holds
Certificate.content (the canonical signed bytes) and SIGNATURE_FILE Certificate.signature (64 raw
bytes). Exit 0 if the Ed25519 signature verifies, 1 if it does not, 2 on a usage or input error.

With --canonical the content must also be canonical certificate content: UTF-8 JSON that
json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False) reproduces byte for byte,
with format "skills.v1.certificate-content/1" (exit 1 otherwise). Only the `cryptography` package
from PyPI is needed: nothing here is specific to the platform.
"""
import hashlib
import json
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

FORMAT = "skills.v1.certificate-content/1"


def key_id(public_key):
    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()[:16]


def canonical(content):
    try:
        value = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        return False, f"not JSON: {error}"
    if not isinstance(value, dict) or value.get("format") != FORMAT:
        return False, "not certificate content"
    again = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    if again != content:
        return False, "not in canonical form"
    return True, value


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    flags = {a for a in argv[1:] if a.startswith("--")}
    if len(args) != 3 or not flags <= {"--canonical"}:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    try:
        with open(args[0], "rb") as f:
            public_key = serialization.load_pem_public_key(f.read())
        with open(args[1], "rb") as f:
            content = f.read()
        with open(args[2], "rb") as f:
            signature = f.read()
    except (OSError, ValueError) as error:
        print(f"cannot read input: {error}", file=sys.stderr)
        return 2
    if not isinstance(public_key, Ed25519PublicKey):
        print("not an Ed25519 public key", file=sys.stderr)
        return 2
    try:
        public_key.verify(signature, content)
    except InvalidSignature:
        print(f"INVALID signature (key {key_id(public_key)})")
        return 1
    if "--canonical" in flags:
        ok, detail = canonical(content)
        if not ok:
            print(f"signature valid but content rejected: {detail}")
            return 1
        print(f"valid: {detail.get('number')} (key {key_id(public_key)})")
    else:
        print(f"valid (key {key_id(public_key)})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
