#!/usr/bin/env bash
# bench-data.sh — a campaignd database with many signatures, quickly (`make bench-data`).
#
#   Benchmarks/bench-data.sh [ROWS] [STATE]          (defaults: 10000000 var-bench)
#
# campaignd itself creates and migrates the database and imports the example campaign (so the schema is
# exactly its own); then the sqlite3 CLI bulk-inserts ROWS signatures in large transactions and sets the
# counters to the exact counts. THIS IS A FIXTURE: during the load the database runs with
# journal_mode=OFF and synchronous=OFF (a crash mid-load leaves a broken file: run it again). At the end
# it is switched back to WAL, checkpointed and ANALYZEd, and is then an ordinary campaignd database:
#
#   .build/release/campaignd --listen var-bench/public.sock --admin-listen var-bench/admin.sock --state-dir var-bench
#
# The rows: ids sig_<16 random hex digits>; unique emails (first.last<n>@domain, canonical forms as
# campaignd computes them); ~70% confirmed, ~30% pending; ~90% showName; ~15% with an organisation and
# job title; ~25% customers; a few hidden (1/256) and featured (1/4096 of the confirmed); signedAt spread over the last
# 60 days in seq order; client ip and user agent on every row. No outbox rows, tokens or sign attempts.
#
# Environment: FRESH=1 replaces an existing database in STATE; CAMPAIGND=path picks the binary (default:
# the newer of .build/release/campaignd and .build/debug/campaignd); CHUNK (rows per transaction,
# default 1000000); CACHE_MB (SQLite page cache for the load, default half the available memory, at
# most 8192); CHECK=1 runs PRAGMA integrity_check at the end (always done for ROWS <= 1000000).
set -euo pipefail

cd "$(dirname "$0")/.."
ROWS=${1:-${ROWS:-10000000}}
STATE=${2:-${STATE:-var-bench}}
CHUNK=${CHUNK:-1000000}
CAMPAIGN=Schemas/examples/northwind.campaign.json
DB=$STATE/campaign.sqlite

die() { echo "bench-data: $*" >&2; exit 1; }
[[ $ROWS =~ ^[0-9]+$ ]] && [ "$ROWS" -ge 1 ] || die "ROWS must be a positive integer (got '$ROWS')"
[[ $CHUNK =~ ^[0-9]+$ ]] && [ "$CHUNK" -ge 1 ] || die "CHUNK must be a positive integer"
command -v sqlite3 >/dev/null || scripts/install-deps.sh
command -v sqlite3 >/dev/null || die "the sqlite3 CLI is needed"

if [ -z "${CACHE_MB:-}" ]; then
    avail_kb=$(awk '/^MemAvailable:/ {print $2}' /proc/meminfo 2>/dev/null || echo 2097152)
    CACHE_MB=$((avail_kb / 2048))
    [ "$CACHE_MB" -gt 8192 ] && CACHE_MB=8192
    [ "$CACHE_MB" -lt 256 ] && CACHE_MB=256
fi

# The binary that creates the schema.
if [ -z "${CAMPAIGND:-}" ]; then
    rel=.build/release/campaignd dbg=.build/debug/campaignd
    if [ -x $rel ] && { [ ! -x $dbg ] || [ ! $dbg -nt $rel ]; }; then CAMPAIGND=$rel
    elif [ -x $dbg ]; then CAMPAIGND=$dbg
    else
        echo "bench-data: no campaignd binary yet: swift build -c release --product campaignd"
        swift build -c release --product campaignd
        CAMPAIGND=$rel
    fi
fi

if [ -e "$DB" ]; then
    if [ "${FRESH:-0}" = 1 ]; then
        rm -f "$DB" "$DB-wal" "$DB-shm" "$DB.lock"
    else
        have=$(sqlite3 "$DB" "SELECT count(*) FROM signature" 2>/dev/null || echo "?")
        die "$DB already exists ($have signatures); FRESH=1 replaces it, or choose another STATE"
    fi
fi

start=$(date +%s.%N)
echo "bench-data: $ROWS signatures into $DB (schema by $CAMPAIGND; load cache ${CACHE_MB} MiB, $CHUNK rows per transaction)"

# 1. campaignd creates, migrates and imports; with stdin at EOF it then exits. (stdin and stdout are
#    pipes: the stdio transport does not take /dev/null or a regular file.)
: | "$CAMPAIGND" --state-dir "$STATE" --campaign "$CAMPAIGN" --stdio --log-level warning | cat >/dev/null \
    || die "campaignd could not create the database"
[ -s "$DB" ] || die "campaignd did not create $DB"
existing=$(sqlite3 "$DB" "SELECT count(*) FROM signature")
[ "$existing" = 0 ] || die "$DB already holds $existing signatures"

# 2. The load, in one sqlite3 process (its page cache stays warm from chunk to chunk).
now_ms=$(($(date +%s) * 1000))
span_ms=$((60 * 24 * 3600 * 1000))
generate_sql() {
    cat <<EOF
.output /dev/null
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
PRAGMA locking_mode = EXCLUSIVE;
PRAGMA temp_store = MEMORY;
PRAGMA cache_size = -$((CACHE_MB * 1024));
.output stdout
CREATE TEMP TABLE fn (k INTEGER PRIMARY KEY, v TEXT NOT NULL);
CREATE TEMP TABLE ln (k INTEGER PRIMARY KEY, v TEXT NOT NULL);
CREATE TEMP TABLE dom (k INTEGER PRIMARY KEY, v TEXT NOT NULL);
CREATE TEMP TABLE org (k INTEGER PRIMARY KEY, v TEXT NOT NULL, title TEXT NOT NULL);
CREATE TEMP TABLE place (k INTEGER PRIMARY KEY, country TEXT NOT NULL, postal TEXT NOT NULL);
INSERT INTO fn (k, v) SELECT key, value FROM json_each('["Ada","Grace","Alan","Katherine","Linus","Margaret","Dennis","Barbara","Ken","Frances","Edsger","Radia","Tim","Hedy","John","Sophie","Amara","Chen","Diego","Fatima","Hiroshi","Ingrid","Jamal","Kirsten","Lucia","Mateo","Nadia","Omar","Priya","Quentin","Rosa","Yusuf"]');
INSERT INTO ln (k, v) SELECT key, value FROM json_each('["Lovelace","Hopper","Turing","Johnson","Torvalds","Hamilton","Ritchie","Liskov","Thompson","Allen","Dijkstra","Perlman","Lamarr","Backus","Wilson","Okafor","Nguyen","Garcia","Haddad","Tanaka","Larsen","Mensah","Novak","Rossi","Silva","Kowalski","Ahmed","Petrov","Sharma","Dubois","Moreno","Yilmaz"]');
INSERT INTO dom (k, v) SELECT key, value FROM json_each('["example.org","example.com","example.net","mail.example","gmail.com","posteo.example","riseup.example","uni.example"]');
INSERT INTO org (k, v, title) SELECT key, json_extract(value, '\$[0]'), json_extract(value, '\$[1]') FROM json_each('[["Riverside Tenants Union","Organiser"],["Open Data Collective","Engineer"],["Harbor Freight Co-op","Operations Lead"],["Eastside Legal Aid","Attorney"],["Northwind User Group","Chair"],["Bayview Analytics","Data Scientist"],["Mission Street Clinic","Nurse"],["Contoso Retail","IT Director"],["Fabrikam Logistics","CTO"],["Tailspin Schools","Teacher"],["Litware Labs","Researcher"],["Adatum Health","Product Manager"],["Coho Winery","Owner"],["Wingtip Toys","Designer"],["Proseware","Developer"],["Lucerne Publishing","Editor"]]');
INSERT INTO place (k, country, postal) SELECT key, json_extract(value, '\$[0]'), json_extract(value, '\$[1]') FROM json_each('[["US","94103"],["US","10001"],["US","60601"],["CA","M5V 2T6"],["GB","EC1A 1BB"],["DE","10115"],["FR","75011"],["MX","06700"]]');
EOF
    local base=0 n
    while [ "$base" -lt "$ROWS" ]; do
        n=$((ROWS - base)); [ "$n" -gt "$CHUNK" ] && n=$CHUNK
        # h(i, M): the top 8 bits of a 32-bit multiplicative hash (0..255), a different M per attribute.
        cat <<EOF
BEGIN;
WITH RECURSIVE
  seq(i) AS (SELECT $((base + 1)) UNION ALL SELECT i + 1 FROM seq WHERE i < $((base + n))),
  g AS (
    SELECT i,
      ((i * 2654435761) % 4294967296) >> 24 AS hs,
      ((i * 2246822519) % 4294967296) >> 24 AS hv,
      ((i * 3266489917) % 4294967296) >> 24 AS ho,
      ((i * 668265263) % 4294967296) >> 24 AS hc,
      ((i * 374761393) % 4294967296) >> 24 AS hh,
      ((i * 2869860233) % 4294967296) >> 24 AS hf,
      ((i * 1103515245 + 12345) % 4294967296) >> 24 AS hl,
      ((i * 3935559000 + 1) % 4294967296) >> 24 AS hd,
      $((now_ms - span_ms)) + (i * $span_ms) / $ROWS AS t
    FROM seq),
  p AS (
    SELECT g.*,
      (SELECT v FROM fn WHERE k = hf % 32) AS first,
      (SELECT v FROM ln WHERE k = hl % 32) AS last,
      (SELECT v FROM dom WHERE k = hd % 8) AS domain
    FROM g)
INSERT INTO signature (id, emailCanonical, email, name, organization, jobTitle, isCustomer, country, postalCode,
  comment, showName, contactOptIn, source, ip, userAgent, status, hidden, featured, messagesSent, signedAt,
  confirmedAt, withdrawnAt)
SELECT
  'sig_' || lower(hex(randomblob(8))),
  CASE WHEN domain = 'gmail.com' THEN replace(lower(first || '.' || last), '.', '') || i || '@gmail.com'
       ELSE lower(first || '.' || last) || i || '@' || domain END,
  first || '.' || last || i || '@' || domain,
  first || ' ' || last,
  CASE WHEN ho < 38 THEN (SELECT v FROM org WHERE k = ho % 16) END,
  CASE WHEN ho < 38 THEN (SELECT title FROM org WHERE k = ho % 16) END,
  hc < 64,
  (SELECT country FROM place WHERE k = hh % 8),
  (SELECT postal FROM place WHERE k = hh % 8),
  CASE WHEN hh >= 243 THEN 'I use Northwind every day, and I want to keep recommending it. Drop the contract.' END,
  hv < 230,
  hh % 5 < 2,
  CASE hd % 3 WHEN 0 THEN 'web' WHEN 1 THEN 'newsletter' ELSE 'twitter' END,
  '198.51.100.' || (i % 254 + 1),
  'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
  CASE WHEN hs < 179 THEN 'confirmed' ELSE 'pending' END,
  hh = 17,
  hs < 179 AND i % 4096 = 0,
  1,
  t,
  CASE WHEN hs < 179 THEN t + 60000 + hc * 7000 END,
  NULL
FROM p;
COMMIT;
.print "  $((base + n)) rows"
EOF
        base=$((base + n))
    done
    cat <<'EOF'
BEGIN;
CREATE TEMP TABLE total AS SELECT
  coalesce(sum(status = 'confirmed'), 0) AS confirmed,
  coalesce(sum(status = 'pending'), 0) AS pending,
  coalesce(sum(status = 'confirmed' AND organization IS NOT NULL), 0) AS organizations,
  coalesce(sum(status = 'confirmed' AND isCustomer = 1), 0) AS customers
  FROM signature;
INSERT INTO counter (name, value)
  SELECT 'signatures.confirmed', confirmed FROM total
  UNION ALL SELECT 'signatures.pending', pending FROM total
  UNION ALL SELECT 'signatures.organizations', organizations FROM total
  UNION ALL SELECT 'signatures.customers', customers FROM total
  WHERE true
  ON CONFLICT (name) DO UPDATE SET value = excluded.value;
COMMIT;
.print "  counters set"
ANALYZE main;
.print "  analyzed"
.output /dev/null
PRAGMA locking_mode = NORMAL;
PRAGMA journal_mode = WAL;
PRAGMA main.wal_checkpoint(TRUNCATE);
.output stdout
EOF
}

generate_sql | sqlite3 -bail "$DB" || die "the load failed"

rows=$(sqlite3 "$DB" "SELECT count(*) FROM signature")
[ "$rows" = "$ROWS" ] || die "expected $ROWS rows, found $rows"
if [ "${CHECK:-0}" = 1 ] || [ "$ROWS" -le 1000000 ]; then
    check=$(sqlite3 "$DB" "PRAGMA integrity_check")
    [ "$check" = ok ] || die "integrity_check: $check"
    echo "  integrity_check: ok"
fi
elapsed=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
echo "bench-data: $rows signatures in $(printf '%.1f' "$elapsed") s; $(du -h "$DB" | cut -f1) in $DB; counters:"
sqlite3 "$DB" "SELECT '  ' || name || ' = ' || value FROM counter ORDER BY name"
echo "serve it: ${CAMPAIGND} --listen $STATE/public.sock --admin-listen $STATE/admin.sock --state-dir $STATE"
