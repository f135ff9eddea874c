#!/usr/bin/env bash
# Makes the development certificate authority and every certificate the platform, its tests and
# `make run` use. Development only: never use these keys outside a laptop or a CI runner.
#
#   Deploy/certs/make-dev-certs.sh [--force] [OUT_DIR]      (OUT_DIR defaults to Deploy/certs/out)
#
# Idempotent: an existing CA and existing certificates are kept; a missing file is made. When the CA
# itself has to be made, every certificate is re-issued from it. `--force` starts from scratch.
# Keys are EC P-256, mode 0600. Layout and roles: Deploy/certs/README.md.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
FORCE=0
OUT=""
for arg in "$@"; do
    case "$arg" in
        --force) FORCE=1 ;;
        -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "make-dev-certs: unknown option $arg" >&2; exit 2 ;;
        *) if [[ -n "$OUT" ]]; then echo "make-dev-certs: more than one OUT_DIR" >&2; exit 2; fi
           OUT="$arg" ;;
    esac
done
OUT="${OUT:-$SCRIPT_DIR/out}"

command -v openssl >/dev/null || { echo "make-dev-certs: the openssl command is required (apt-get install openssl)" >&2; exit 1; }

# The platform's services (each is a TLS server and a client of the others) and the roles of the
# callers that integrate with it. The subject OU of a certificate is the caller's role.
SERVICES=(registration matching assessment payment)
ROLES=(hrss finance civil-affairs poverty-office justice veterans education social-insurance
       assessment-org institution enterprise worker-portal)
ORG="Skills Platform"
CA_DAYS=3650
LEAF_DAYS=825

mkdir -p "$OUT"
chmod 0755 "$OUT"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
umask 077   # every key (and everything else) is created owner-only; certificates are opened up below

if [[ $FORCE == 1 ]]; then
    rm -f "$OUT"/*.pem "$OUT"/*.key "$OUT"/*.srl
fi

made=0
REISSUE=0

new_key() { # path
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null
    chmod 0600 "$1"
}

serial() { echo "0x$(openssl rand -hex 16)"; }

make_ca() { # name cn
    local name=$1 cn=$2
    if [[ -f "$OUT/$name.pem" && -f "$OUT/$name.key" ]]; then return 1; fi
    new_key "$OUT/$name.key"
    cat >"$WORK/$name.cnf" <<EOF
[req]
distinguished_name = dn
prompt = no
x509_extensions = v3_ca
[dn]
CN = $cn
O = $ORG
[v3_ca]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
EOF
    openssl req -x509 -new -key "$OUT/$name.key" -sha256 -days "$CA_DAYS" -set_serial "$(serial)" \
        -config "$WORK/$name.cnf" -out "$OUT/$name.pem" 2>/dev/null
    chmod 0644 "$OUT/$name.pem"
    made=$((made + 1))
    return 0
}

# issue NAME CA SUBJECT EKU SAN DAYS   (SAN may be empty; DAYS may be "expired")
issue() {
    local name=$1 ca=$2 subject=$3 eku=$4 san=$5 days=$6
    if [[ $REISSUE == 0 && -f "$OUT/$name.pem" && -f "$OUT/$name.key" ]]; then return 0; fi
    new_key "$OUT/$name.key"
    openssl req -new -key "$OUT/$name.key" -subj "$subject" -out "$WORK/$name.csr" 2>/dev/null
    {
        echo "basicConstraints = critical, CA:FALSE"
        echo "keyUsage = critical, digitalSignature, keyAgreement"
        echo "extendedKeyUsage = $eku"
        echo "subjectKeyIdentifier = hash"
        echo "authorityKeyIdentifier = keyid:always"
        if [[ -n "$san" ]]; then echo "subjectAltName = $san"; fi
    } >"$WORK/$name.ext"
    if [[ $days == expired ]]; then
        sign_expired "$name" "$ca"
    else
        openssl x509 -req -in "$WORK/$name.csr" -CA "$OUT/$ca.pem" -CAkey "$OUT/$ca.key" \
            -set_serial "$(serial)" -sha256 -days "$days" -extfile "$WORK/$name.ext" \
            -out "$OUT/$name.pem" 2>/dev/null
    fi
    chmod 0644 "$OUT/$name.pem"
    made=$((made + 1))
}

# OpenSSL 3.0's `x509 -req` cannot set a start date in the past (-not_before arrived in 3.4), so the
# expired certificate is signed with `openssl ca`, which takes -startdate/-enddate, from a throwaway
# database in the temporary directory. Valid from 30 days ago until 1 day ago.
sign_expired() { # name ca
    local name=$1 ca=$2 db="$WORK/ca-db"
    mkdir -p "$db/new"
    : >"$db/index.txt"
    openssl rand -hex 16 >"$db/serial"
    cat >"$db/ca.cnf" <<EOF
[ca]
default_ca = dev
[dev]
dir = $db
database = $db/index.txt
new_certs_dir = $db/new
serial = $db/serial
certificate = $OUT/$ca.pem
private_key = $OUT/$ca.key
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
[any]
commonName = supplied
organizationalUnitName = optional
organizationName = optional
EOF
    local start end
    start="$(date -u -d '30 days ago' +%Y%m%d%H%M%SZ)"
    end="$(date -u -d '1 day ago' +%Y%m%d%H%M%SZ)"
    openssl ca -batch -notext -config "$db/ca.cnf" -in "$WORK/$name.csr" -out "$OUT/$name.pem" \
        -startdate "$start" -enddate "$end" -extfile "$WORK/$name.ext" >/dev/null 2>&1
}

# --- the platform CA and everything it signs -----------------------------------------------
if make_ca ca "Skills Platform Dev CA"; then REISSUE=1; fi

service_san() { echo "DNS:localhost, DNS:skills-$1, IP:127.0.0.1"; }
for svc in "${SERVICES[@]}" echo; do
    issue "$svc" ca "/CN=skills-$svc/OU=$svc/O=$ORG" "serverAuth, clientAuth" "$(service_san "$svc")" "$LEAF_DAYS"
done
for role in "${ROLES[@]}"; do
    issue "$role" ca "/CN=$role-dev/OU=$role/O=$ORG" "clientAuth" "" "$LEAF_DAYS"
done
# A second training institution's system (same role, another holder): O4 tests check that an
# institution acts only for its own offerings (Institution.system_certificate_names).
issue institution-b ca "/CN=institution-b-dev/OU=institution/O=$ORG" "clientAuth" "" "$LEAF_DAYS"
# Negative tests: a certificate of the real CA whose validity ended yesterday.
issue expired ca "/CN=expired-dev/OU=hrss/O=$ORG" "clientAuth" "" expired

# --- negative tests: an unrelated CA and a client certificate from it ------------------------
REISSUE=0
if make_ca other-ca "Unrelated Dev CA"; then REISSUE=1; fi
issue intruder other-ca "/CN=intruder/OU=hrss/O=Unrelated" "clientAuth" "" "$LEAF_DAYS"
REISSUE=0

# --- sanity: every certificate chains to its CA; the expired one does not verify -------------
for name in "${SERVICES[@]}" echo "${ROLES[@]}" institution-b; do
    openssl verify -CAfile "$OUT/ca.pem" "$OUT/$name.pem" >/dev/null \
        || { echo "make-dev-certs: $name.pem does not verify against ca.pem" >&2; exit 1; }
done
openssl verify -CAfile "$OUT/other-ca.pem" "$OUT/intruder.pem" >/dev/null \
    || { echo "make-dev-certs: intruder.pem does not verify against other-ca.pem" >&2; exit 1; }
if openssl verify -CAfile "$OUT/ca.pem" "$OUT/expired.pem" >/dev/null 2>&1; then
    echo "make-dev-certs: expired.pem unexpectedly verifies" >&2; exit 1
fi

if [[ $made -gt 0 ]]; then
    echo "make-dev-certs: made $made file pair(s) in $OUT"
else
    echo "make-dev-certs: certificates in $OUT are up to date"
fi
