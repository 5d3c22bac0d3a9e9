/*
 * storage-floor — the storage floor of `make bench`.
 *
 * Plain SQLite doing the durable part of `letter.sign` and nothing else: it inserts signature rows
 * into a table with campaignd's columns and indexes (the DDL below is copied from
 * Sources/CampaignService/Storage/Schema.swift) and, for every row, upserts the `signatures.pending`
 * counter as campaignd does, with campaignd's durability (WAL, synchronous=FULL), one
 * `BEGIN IMMEDIATE ... COMMIT` per batch of rows, prepared statements, one writer.
 *
 *   storage-floor [--batch N] [--seconds S] [--outbox] [--json] DATABASE
 *
 *   --batch N    rows per transaction (default 1): give it the transaction size campaignd achieves
 *   --seconds S  how long to insert (default 10)
 *   --outbox     also insert the outbox row campaignd queues for each signature (the confirmation mail)
 *   --json       print {"rowsPerSecond":..,"batch":..,"rows":..,"seconds":..,"transactions":..}
 *
 * DATABASE is deleted first (with its -wal and -shm) and created fresh.
 * Build: cc -O2 -o storage-floor storage-floor.c -lsqlite3
 */
#define _GNU_SOURCE
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

static const char *schema =
    /* Schema.swift, migration v1: the signature table, its indexes and the counter table, verbatim. */
    "CREATE TABLE signature ("
    "    seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    "    id TEXT NOT NULL UNIQUE,"
    "    emailCanonical TEXT UNIQUE,"
    "    email TEXT,"
    "    name TEXT,"
    "    organization TEXT,"
    "    jobTitle TEXT,"
    "    isCustomer INTEGER NOT NULL,"
    "    country TEXT,"
    "    postalCode TEXT,"
    "    comment TEXT,"
    "    showName INTEGER NOT NULL,"
    "    contactOptIn INTEGER NOT NULL,"
    "    source TEXT,"
    "    ip TEXT,"
    "    userAgent TEXT,"
    "    status TEXT NOT NULL,"
    "    hidden INTEGER NOT NULL DEFAULT 0,"
    "    featured INTEGER NOT NULL DEFAULT 0,"
    "    messagesSent INTEGER NOT NULL DEFAULT 0,"
    "    signedAt INTEGER NOT NULL,"
    "    confirmedAt INTEGER,"
    "    withdrawnAt INTEGER"
    ");"
    "CREATE INDEX signature_status ON signature(status, seq);"
    "CREATE INDEX signature_listed ON signature(seq)"
    "    WHERE status = 'confirmed' AND showName = 1 AND hidden = 0;"
    "CREATE INDEX signature_listed_featured ON signature(seq)"
    "    WHERE status = 'confirmed' AND showName = 1 AND hidden = 0 AND featured = 1;"
    "CREATE INDEX signature_listed_organizations ON signature(seq)"
    "    WHERE status = 'confirmed' AND showName = 1 AND hidden = 0 AND organization IS NOT NULL;"
    "CREATE INDEX signature_listed_customers ON signature(seq)"
    "    WHERE status = 'confirmed' AND showName = 1 AND hidden = 0 AND isCustomer = 1;"
    "CREATE TABLE counter ("
    "    name TEXT PRIMARY KEY NOT NULL,"
    "    value INTEGER NOT NULL"
    ") WITHOUT ROWID;"
    "CREATE TABLE outbox ("
    "    id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "    kind TEXT NOT NULL,"
    "    subjectKind TEXT NOT NULL,"
    "    subjectSeq INTEGER NOT NULL,"
    "    toName TEXT NOT NULL,"
    "    toEmail TEXT NOT NULL,"
    "    createdAt INTEGER NOT NULL,"
    "    leaseUntil INTEGER NOT NULL DEFAULT 0"
    ");"
    "CREATE INDEX outbox_lease ON outbox(leaseUntil, id);"
    "CREATE INDEX outbox_subject ON outbox(subjectKind, subjectSeq);";

/* The statements campaignd's `letter.sign` runs for a new signature (SignatureStore.swift, Counters.swift,
 * OutboxStore.swift), with the same columns bound. */
static const char *insert_signature_sql =
    "INSERT INTO signature (id, emailCanonical, email, name, organization, jobTitle, isCustomer, country,"
    " postalCode, comment, showName, contactOptIn, source, ip, userAgent, status, hidden, featured,"
    " messagesSent, signedAt, confirmedAt, withdrawnAt)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char *upsert_counter_sql =
    "INSERT INTO counter (name, value) VALUES (?, ?)"
    " ON CONFLICT (name) DO UPDATE SET value = value + excluded.value";
static const char *insert_outbox_sql =
    "INSERT INTO outbox (kind, subjectKind, subjectSeq, toName, toEmail, createdAt) VALUES (?, ?, ?, ?, ?, ?)";

static sqlite3 *db;

static void check(int rc, const char *what) {
    if (rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW) return;
    fprintf(stderr, "storage-floor: %s: %s\n", what, sqlite3_errmsg(db));
    exit(1);
}

static void exec(const char *sql) {
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "storage-floor: %s: %s\n", sql, err ? err : "?");
        exit(1);
    }
}

static double now_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int64_t now_millis(void) {
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* xorshift64*: cheap, seeded from getrandom, so ids and emails land at random places in their
 * indexes as campaignd's random ids and real people's addresses do. */
static uint64_t rng_state;
static uint64_t rnd(void) {
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ULL;
}

static void random_chars(char *out, int n) {
    static const char alphabet[] = "0123456789abcdefghjkmnpqrstvwxyz"; /* campaignd's Random.id alphabet */
    uint64_t r = rnd();
    for (int i = 0; i < n; i++) {
        if (i % 12 == 11) r = rnd();
        out[i] = alphabet[r & 31];
        r >>= 5;
    }
    out[n] = 0;
}

static const char *first_names[] = {"Ada", "Grace", "Alan", "Katherine", "Linus", "Margaret", "Dennis", "Barbara",
                                    "Ken", "Frances", "Edsger", "Radia", "Tim", "Hedy", "John", "Sophie"};
static const char *last_names[] = {"Lovelace", "Hopper", "Turing", "Johnson", "Torvalds", "Hamilton", "Ritchie",
                                   "Liskov", "Thompson", "Allen", "Dijkstra", "Perlman", "Berners-Lee", "Lamarr",
                                   "Backus", "Wilson"};
static const char *organizations[] = {"Riverside Tenants Union", "Open Data Collective", "Harbor Freight Co-op",
                                      "Eastside Legal Aid", "Northwind User Group"};
static const char *job_titles[] = {"Engineer", "Product Manager", "Data Analyst", "Designer", "CTO"};

static void usage(const char *prog) {
    fprintf(stderr, "usage: %s [--batch N] [--seconds S] [--outbox] [--json] DATABASE\n", prog);
    exit(64);
}

int main(int argc, char **argv) {
    long batch = 1;
    double seconds = 10;
    int json = 0, outbox = 0;
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--batch") && i + 1 < argc) batch = atol(argv[++i]);
        else if (!strcmp(argv[i], "--seconds") && i + 1 < argc) seconds = atof(argv[++i]);
        else if (!strcmp(argv[i], "--json")) json = 1;
        else if (!strcmp(argv[i], "--outbox")) outbox = 1;
        else if (argv[i][0] == '-') usage(argv[0]);
        else if (!path) path = argv[i];
        else usage(argv[0]);
    }
    if (!path || batch < 1 || seconds <= 0) usage(argv[0]);
    if (getrandom(&rng_state, sizeof rng_state, 0) != sizeof rng_state || rng_state == 0) rng_state = 0x9E3779B97F4A7C15ULL;

    /* A fresh database every run. */
    const char *suffixes[] = {"", "-wal", "-shm", "-journal"};
    for (int i = 0; i < 4; i++) {
        char p[4096];
        snprintf(p, sizeof p, "%s%s", path, suffixes[i]);
        unlink(p);
    }
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
        fprintf(stderr, "storage-floor: cannot open %s\n", path);
        return 1;
    }
    /* campaignd's durability: WAL (GRDB's DatabasePool) with synchronous=FULL (CampaignStore), default
     * page size, cache size and autocheckpoint. */
    exec("PRAGMA journal_mode = WAL");
    exec("PRAGMA synchronous = FULL");
    exec(schema);

    sqlite3_stmt *ins, *ctr, *obx;
    check(sqlite3_prepare_v3(db, insert_signature_sql, -1, SQLITE_PREPARE_PERSISTENT, &ins, NULL), "prepare signature");
    check(sqlite3_prepare_v3(db, upsert_counter_sql, -1, SQLITE_PREPARE_PERSISTENT, &ctr, NULL), "prepare counter");
    check(sqlite3_prepare_v3(db, insert_outbox_sql, -1, SQLITE_PREPARE_PERSISTENT, &obx, NULL), "prepare outbox");
    sqlite3_stmt *begin, *commit;
    check(sqlite3_prepare_v3(db, "BEGIN IMMEDIATE", -1, SQLITE_PREPARE_PERSISTENT, &begin, NULL), "prepare begin");
    check(sqlite3_prepare_v3(db, "COMMIT", -1, SQLITE_PREPARE_PERSISTENT, &commit, NULL), "prepare commit");

    long rows = 0, transactions = 0;
    double start = now_seconds(), elapsed = 0;
    char id[32], local[24], email[64], name[64];
    while (elapsed < seconds) {
        check(sqlite3_step(begin), "BEGIN IMMEDIATE");
        sqlite3_reset(begin);
        for (long b = 0; b < batch; b++) {
            uint64_t r = rnd();
            strcpy(id, "sig_");
            random_chars(id + 4, 16);
            random_chars(local, 10);
            /* Unique: a random local part plus the row number. */
            snprintf(email, sizeof email, "%s.%ld@example.org", local, rows);
            snprintf(name, sizeof name, "%s %s", first_names[r & 15], last_names[(r >> 4) & 15]);
            int has_org = (r >> 8) % 5 == 0, is_customer = (r >> 12) % 3 == 0;
            int64_t ms = now_millis();

            sqlite3_bind_text(ins, 1, id, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(ins, 2, email, -1, SQLITE_TRANSIENT); /* canonical form: already lower case */
            sqlite3_bind_text(ins, 3, email, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(ins, 4, name, -1, SQLITE_TRANSIENT);
            if (has_org) {
                sqlite3_bind_text(ins, 5, organizations[(r >> 16) % 5], -1, SQLITE_STATIC);
                sqlite3_bind_text(ins, 6, job_titles[(r >> 20) % 5], -1, SQLITE_STATIC);
            } else {
                sqlite3_bind_null(ins, 5);
                sqlite3_bind_null(ins, 6);
            }
            sqlite3_bind_int(ins, 7, is_customer);
            sqlite3_bind_text(ins, 8, "US", -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 9, "94103", -1, SQLITE_STATIC);
            sqlite3_bind_null(ins, 10);
            sqlite3_bind_int(ins, 11, 1);
            sqlite3_bind_int(ins, 12, (int)((r >> 24) & 1));
            sqlite3_bind_text(ins, 13, "bench", -1, SQLITE_STATIC);
            sqlite3_bind_null(ins, 14);
            sqlite3_bind_null(ins, 15);
            sqlite3_bind_text(ins, 16, "pending", -1, SQLITE_STATIC);
            sqlite3_bind_int(ins, 17, 0);
            sqlite3_bind_int(ins, 18, 0);
            sqlite3_bind_int(ins, 19, 1);
            sqlite3_bind_int64(ins, 20, ms);
            sqlite3_bind_null(ins, 21);
            sqlite3_bind_null(ins, 22);
            check(sqlite3_step(ins), "insert signature");
            sqlite3_reset(ins);
            sqlite3_int64 seq = sqlite3_last_insert_rowid(db);

            sqlite3_bind_text(ctr, 1, "signatures.pending", -1, SQLITE_STATIC);
            sqlite3_bind_int(ctr, 2, 1);
            check(sqlite3_step(ctr), "upsert counter");
            sqlite3_reset(ctr);

            if (outbox) {
                sqlite3_bind_text(obx, 1, "signature.confirm", -1, SQLITE_STATIC);
                sqlite3_bind_text(obx, 2, "signature", -1, SQLITE_STATIC);
                sqlite3_bind_int64(obx, 3, seq);
                sqlite3_bind_text(obx, 4, name, -1, SQLITE_TRANSIENT);
                sqlite3_bind_text(obx, 5, email, -1, SQLITE_TRANSIENT);
                sqlite3_bind_int64(obx, 6, ms);
                check(sqlite3_step(obx), "insert outbox");
                sqlite3_reset(obx);
            }
            rows++;
        }
        check(sqlite3_step(commit), "COMMIT");
        sqlite3_reset(commit);
        transactions++;
        elapsed = now_seconds() - start;
    }

    double rate = rows / elapsed;
    if (json) {
        printf("{\"rowsPerSecond\":%.1f,\"batch\":%ld,\"rows\":%ld,\"seconds\":%.3f,\"transactions\":%ld,\"outbox\":%s}\n",
               rate, batch, rows, elapsed, transactions, outbox ? "true" : "false");
    } else {
        printf("storage floor: %.0f rows/s (%ld rows in %.2f s, %ld transactions of %ld%s, WAL, synchronous=FULL)\n",
               rate, rows, elapsed, transactions, batch, outbox ? ", with outbox rows" : "");
    }
    sqlite3_finalize(ins);
    sqlite3_finalize(ctr);
    sqlite3_finalize(obx);
    sqlite3_finalize(begin);
    sqlite3_finalize(commit);
    sqlite3_close(db);
    return 0;
}
