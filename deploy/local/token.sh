#!/usr/bin/env bash
# Prints a signed RS256 JWT that the local gateway accepts (CONTRACT §1, §2).
#   token.sh --role applicant --org USCC
#   token.sh --role reviewer --tier county|city|province --region CODE
#   token.sh --role expert --sub EXPERT_ID
#   token.sh --role admin
# Optional: --sub ID, --exp UNIX_SECONDS (default: one hour from now).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

KEY="${SDP_JWT_PRIVATE_KEY:-$SDP_ROOT/var/keys/jwt-private.pem}"
ISSUER="${SDP_JWT_ISSUER:-sdp-local}"
AUDIENCE="${SDP_JWT_AUDIENCE:-sdp-gateway}"

usage() { sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

role="" org="" tier="" region="" sub="" exp=""
while [ $# -gt 0 ]; do
  case $1 in
    --role) role=${2:-}; shift 2 ;;
    --org) org=${2:-}; shift 2 ;;
    --tier) tier=${2:-}; shift 2 ;;
    --region) region=${2:-}; shift 2 ;;
    --sub) sub=${2:-}; shift 2 ;;
    --exp) exp=${2:-}; shift 2 ;;
    -h|--help) usage ;;
    *) echo "unknown argument: $1" >&2; usage ;;
  esac
done

# GB 32100-2015: the 18th character of a 统一社会信用代码 is a check character over the first 17.
uscc_valid() {
  local code=$1 chars="0123456789ABCDEFGHJKLMNPQRTUWXY" sum=0 i c v
  local weights=(1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28)
  [[ $code =~ ^[0-9A-HJ-NP-RTUWXY]{2}[0-9]{6}[0-9A-HJ-NP-RTUWXY]{10}$ ]] || return 1
  for i in $(seq 0 16); do
    c=${code:i:1}
    v=${chars%%"$c"*}; v=${#v}
    sum=$(( sum + v * weights[i] ))
  done
  v=$(( (31 - sum % 31) % 31 ))
  [ "${chars:v:1}" = "${code:17:1}" ]
}

case $role in
  applicant)
    [ -n "$org" ] || sdp_die "--role applicant needs --org (统一社会信用代码)"
    uscc_valid "$org" || sdp_die "--org $org is not a valid 统一社会信用代码 (GB 32100-2015 check character)"
    ;;
  reviewer)
    case $tier in county|city|province) ;; *) sdp_die "--role reviewer needs --tier county|city|province" ;; esac
    [[ $region =~ ^37[0-9]{4}$ ]] || sdp_die "--region must be a six-digit Shandong code (37xxxx)"
    case $tier in
      province) [ "$region" = 370000 ] || sdp_die "a province reviewer's region is 370000" ;;
      city) [[ $region =~ ^37[0-9]{2}00$ && $region != 370000 ]] || sdp_die "a city reviewer's region is 37XX00" ;;
      county) [[ ! $region =~ 00$ ]] || sdp_die "a county reviewer's region is a county-level code" ;;
    esac
    ;;
  expert)  # CONTRACT §8: sub is the expert's id in the pool (GET /v1/experts)
    [ -n "$sub" ] || sdp_die "--role expert needs --sub (the expert's id in the pool)"
    [[ $sub =~ ^[A-Za-z0-9._@-]{1,64}$ ]] || sdp_die "--sub must be 1 to 64 letters, digits or . _ @ -"
    ;;
  admin) ;;
  *) usage ;;
esac
[ -s "$KEY" ] || sdp_die "no signing key at $KEY: run deploy/local/up.sh first"

now=$(date +%s)
exp=${exp:-$((now + 3600))}
[[ $exp =~ ^[0-9]+$ ]] || sdp_die "--exp must be UNIX seconds"
# A stable default subject, so that one person's tokens share their Idempotency-Keys.
sub=${sub:-"$role-${org:-$region}"}
sub=${sub%-}

b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
json_str() { printf '"%s"' "$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g')"; }

# The key id is the first 16 hex digits of the SHA-256 of the public key (DER), as the gateway computes it.
kid=$(openssl pkey -in "$KEY" -pubout -outform DER 2>/dev/null | openssl dgst -sha256 -r | cut -c1-16)
header="{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"$kid\"}"
claims="{\"iss\":$(json_str "$ISSUER"),\"aud\":$(json_str "$AUDIENCE"),\"sub\":$(json_str "$sub"),\"role\":\"$role\""
[ "$role" = applicant ] && claims+=",\"org\":\"$org\""
[ "$role" = reviewer ] && claims+=",\"tier\":\"$tier\",\"region\":\"$region\""
claims+=",\"iat\":$now,\"nbf\":$now,\"exp\":$exp}"

signing_input="$(printf '%s' "$header" | b64url).$(printf '%s' "$claims" | b64url)"
signature=$(printf '%s' "$signing_input" | openssl dgst -sha256 -sign "$KEY" -binary | b64url)
echo "$signing_input.$signature"
