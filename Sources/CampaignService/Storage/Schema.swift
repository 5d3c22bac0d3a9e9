import GRDB

/// The database schema. A shipped migration never changes; a change is a new migration.
enum Schema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: letter, signatures, tokens, outbox") { db in
            try db.execute(
                sql: """
                    CREATE TABLE meta (
                        key TEXT PRIMARY KEY NOT NULL,
                        value TEXT NOT NULL
                    ) WITHOUT ROWID;

                    CREATE TABLE letter (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        title TEXT NOT NULL,
                        body TEXT NOT NULL,
                        recipients TEXT NOT NULL,
                        status TEXT NOT NULL,
                        version INTEGER NOT NULL,
                        updatedAt INTEGER NOT NULL,
                        signatureGoal INTEGER,
                        confirmationRequired INTEGER NOT NULL,
                        closedAt INTEGER
                    );

                    CREATE TABLE signature (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        id TEXT NOT NULL UNIQUE,
                        emailCanonical TEXT UNIQUE,
                        email TEXT,
                        name TEXT,
                        organization TEXT,
                        jobTitle TEXT,
                        isCustomer INTEGER NOT NULL,
                        country TEXT,
                        postalCode TEXT,
                        comment TEXT,
                        showName INTEGER NOT NULL,
                        contactOptIn INTEGER NOT NULL,
                        source TEXT,
                        ip TEXT,
                        userAgent TEXT,
                        status TEXT NOT NULL,
                        hidden INTEGER NOT NULL DEFAULT 0,
                        featured INTEGER NOT NULL DEFAULT 0,
                        messagesSent INTEGER NOT NULL DEFAULT 0,
                        signedAt INTEGER NOT NULL,
                        confirmedAt INTEGER,
                        withdrawnAt INTEGER
                    );
                    CREATE INDEX signature_status ON signature(status, seq);
                    CREATE INDEX signature_listed ON signature(seq)
                        WHERE status = 'confirmed' AND showName = 1 AND hidden = 0;
                    CREATE INDEX signature_listed_featured ON signature(seq)
                        WHERE status = 'confirmed' AND showName = 1 AND hidden = 0 AND featured = 1;
                    CREATE INDEX signature_listed_organizations ON signature(seq)
                        WHERE status = 'confirmed' AND showName = 1 AND hidden = 0 AND organization IS NOT NULL;
                    CREATE INDEX signature_listed_customers ON signature(seq)
                        WHERE status = 'confirmed' AND showName = 1 AND hidden = 0 AND isCustomer = 1;

                    CREATE TABLE counter (
                        name TEXT PRIMARY KEY NOT NULL,
                        value INTEGER NOT NULL
                    ) WITHOUT ROWID;

                    CREATE TABLE token (
                        hash BLOB PRIMARY KEY NOT NULL,
                        subjectKind TEXT NOT NULL,
                        subjectSeq INTEGER NOT NULL,
                        createdAt INTEGER NOT NULL
                    ) WITHOUT ROWID;

                    CREATE TABLE outbox (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        kind TEXT NOT NULL,
                        subjectKind TEXT NOT NULL,
                        subjectSeq INTEGER NOT NULL,
                        toName TEXT NOT NULL,
                        toEmail TEXT NOT NULL,
                        createdAt INTEGER NOT NULL,
                        leaseUntil INTEGER NOT NULL DEFAULT 0
                    );
                    CREATE INDEX outbox_lease ON outbox(leaseUntil, id);
                    CREATE INDEX outbox_subject ON outbox(subjectKind, subjectSeq);

                    CREATE TABLE signAttempt (
                        addressKey BLOB NOT NULL,
                        at INTEGER NOT NULL
                    );
                    CREATE INDEX signAttempt_address ON signAttempt(addressKey, at);

                    CREATE TABLE definitionSection (
                        name TEXT PRIMARY KEY NOT NULL,
                        json TEXT NOT NULL
                    ) WITHOUT ROWID;
                    """)
        }
        return migrator
    }
}
