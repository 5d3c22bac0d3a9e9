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
        migrator.registerMigration("v2: fundraiser, pledges, events, RSVPs, tweets") { db in
            try db.execute(
                sql: """
                    CREATE TABLE fundraiser (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        title TEXT NOT NULL,
                        description TEXT NOT NULL,
                        currency TEXT NOT NULL,
                        goalMinor INTEGER NOT NULL,
                        minimumMinor INTEGER NOT NULL,
                        maximumMinor INTEGER NOT NULL,
                        closesAt INTEGER,
                        status TEXT NOT NULL,
                        confirmationRequired INTEGER NOT NULL,
                        closedAt INTEGER,
                        pledgedMinor INTEGER NOT NULL DEFAULT 0,
                        paidMinor INTEGER NOT NULL DEFAULT 0,
                        pledgeCount INTEGER NOT NULL DEFAULT 0
                    );

                    CREATE TABLE pledge (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        id TEXT NOT NULL UNIQUE,
                        emailCanonical TEXT NOT NULL,
                        email TEXT NOT NULL,
                        name TEXT NOT NULL,
                        amountMinor INTEGER NOT NULL,
                        currency TEXT NOT NULL,
                        showName INTEGER NOT NULL,
                        message TEXT,
                        contactOptIn INTEGER NOT NULL,
                        idempotencyKey TEXT,
                        source TEXT,
                        ip TEXT,
                        userAgent TEXT,
                        status TEXT NOT NULL,
                        messagesSent INTEGER NOT NULL DEFAULT 0,
                        createdAt INTEGER NOT NULL,
                        confirmedAt INTEGER,
                        paidAt INTEGER,
                        refundedAt INTEGER,
                        cancelledAt INTEGER
                    );
                    CREATE UNIQUE INDEX pledge_idempotency ON pledge(emailCanonical, idempotencyKey)
                        WHERE idempotencyKey IS NOT NULL;
                    CREATE INDEX pledge_status ON pledge(status, seq);
                    CREATE INDEX pledge_recent ON pledge(seq) WHERE status IN ('confirmed', 'paid') AND showName = 1;

                    CREATE TABLE event (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        id TEXT NOT NULL UNIQUE,
                        title TEXT NOT NULL,
                        description TEXT NOT NULL,
                        startsAt INTEGER NOT NULL,
                        endsAt INTEGER,
                        timeZone TEXT NOT NULL,
                        location TEXT NOT NULL,
                        capacity INTEGER,
                        maxGuests INTEGER NOT NULL,
                        going INTEGER NOT NULL DEFAULT 0,
                        waitlisted INTEGER NOT NULL DEFAULT 0,
                        status TEXT NOT NULL,
                        updatedAt INTEGER NOT NULL,
                        CHECK (capacity IS NULL OR going <= capacity)
                    );

                    CREATE TABLE rsvp (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        id TEXT NOT NULL UNIQUE,
                        eventSeq INTEGER NOT NULL REFERENCES event(seq),
                        emailCanonical TEXT,
                        email TEXT,
                        name TEXT,
                        guests INTEGER NOT NULL,
                        phone TEXT,
                        contactOptIn INTEGER NOT NULL,
                        source TEXT,
                        ip TEXT,
                        userAgent TEXT,
                        status TEXT NOT NULL,
                        messagesSent INTEGER NOT NULL DEFAULT 0,
                        createdAt INTEGER NOT NULL,
                        promotedAt INTEGER,
                        checkedInAt INTEGER,
                        cancelledAt INTEGER
                    );
                    CREATE UNIQUE INDEX rsvp_person ON rsvp(eventSeq, emailCanonical);
                    CREATE INDEX rsvp_event ON rsvp(eventSeq, seq);
                    CREATE INDEX rsvp_waitlist ON rsvp(eventSeq, seq) WHERE status = 'waitlisted';

                    CREATE TABLE tweet (
                        id TEXT PRIMARY KEY NOT NULL,
                        position INTEGER NOT NULL,
                        targetName TEXT NOT NULL,
                        targetHandle TEXT NOT NULL,
                        text TEXT NOT NULL,
                        clicks INTEGER NOT NULL DEFAULT 0
                    ) WITHOUT ROWID;

                    ALTER TABLE signAttempt ADD COLUMN scope TEXT NOT NULL DEFAULT 'signature';
                    DROP INDEX signAttempt_address;
                    CREATE INDEX signAttempt_scope ON signAttempt(scope, addressKey, at);
                    """)
        }
        migrator.registerMigration("v3: address rate sweep") { db in
            // The once-a-minute sweep of rows past every window (see `AddressRate`).
            try db.execute(sql: "CREATE INDEX signAttempt_scope_at ON signAttempt(scope, at)")
        }
        migrator.registerMigration("v4: confirmed figures, RSVP holds, repeats") { db in
            // RSVPs taken before holds existed needed no confirmation: they count as confirmed.
            try db.execute(
                sql: """
                    ALTER TABLE signature ADD COLUMN repeats INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE pledge ADD COLUMN repeats INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE rsvp ADD COLUMN repeats INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE rsvp ADD COLUMN confirmedAt INTEGER;
                    ALTER TABLE rsvp ADD COLUMN holdUntil INTEGER;
                    UPDATE rsvp SET confirmedAt = createdAt WHERE status IN ('going', 'waitlisted');
                    CREATE INDEX rsvp_hold ON rsvp(eventSeq, holdUntil) WHERE confirmedAt IS NULL AND status IN ('going', 'waitlisted');
                    ALTER TABLE event ADD COLUMN goingConfirmed INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE event ADD COLUMN waitlistedConfirmed INTEGER NOT NULL DEFAULT 0;
                    UPDATE event SET goingConfirmed = going, waitlistedConfirmed = waitlisted;
                    """)
        }
        migrator.registerMigration("v5: delivery outcomes, reminders") { db in
            // A message that failed comes back after `leaseUntil`; a dead one stays for organisers to see.
            // Each person's last delivery outcome lives on their record, for the exports.
            try db.execute(
                sql: """
                    ALTER TABLE outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE outbox ADD COLUMN lastError TEXT;
                    ALTER TABLE outbox ADD COLUMN deadAt INTEGER;
                    CREATE INDEX outbox_due ON outbox(leaseUntil, id) WHERE deadAt IS NULL;
                    ALTER TABLE signature ADD COLUMN deliveryState TEXT;
                    ALTER TABLE signature ADD COLUMN deliveryReason TEXT;
                    ALTER TABLE signature ADD COLUMN deliveryAt INTEGER;
                    ALTER TABLE signature ADD COLUMN firstSentAt INTEGER;
                    ALTER TABLE signature ADD COLUMN remindedAt INTEGER;
                    CREATE INDEX signature_remind ON signature(firstSentAt) WHERE status = 'pending' AND remindedAt IS NULL;
                    ALTER TABLE pledge ADD COLUMN deliveryState TEXT;
                    ALTER TABLE pledge ADD COLUMN deliveryReason TEXT;
                    ALTER TABLE pledge ADD COLUMN deliveryAt INTEGER;
                    ALTER TABLE rsvp ADD COLUMN deliveryState TEXT;
                    ALTER TABLE rsvp ADD COLUMN deliveryReason TEXT;
                    ALTER TABLE rsvp ADD COLUMN deliveryAt INTEGER;
                    """)
        }
        return migrator
    }
}
