-- Siyu storage, SQLite. Never edit a migration once applied; add a new file.
CREATE TABLE server_secrets (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    session_secret BLOB NOT NULL
);
CREATE TABLE tenants (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    admin_key_hash BLOB NOT NULL,
    member_secret TEXT NOT NULL,
    origins TEXT NOT NULL DEFAULT '[]',
    created_at INTEGER NOT NULL
);
CREATE TABLE campaigns (
    id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL REFERENCES tenants (id),
    revision INTEGER NOT NULL,
    body TEXT NOT NULL,
    published_at INTEGER NOT NULL
);
CREATE TABLE campaign_revisions (
    id TEXT NOT NULL,
    revision INTEGER NOT NULL,
    body TEXT NOT NULL,
    published_at INTEGER NOT NULL,
    PRIMARY KEY (id, revision)
);
CREATE TABLE devices (
    campaign TEXT NOT NULL,
    device TEXT NOT NULL,
    member TEXT NOT NULL,
    last_contact INTEGER,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (campaign, device)
);
CREATE INDEX devices_by_member ON devices (campaign, member);
CREATE TABLE members (
    campaign TEXT NOT NULL,
    member TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (campaign, member)
) WITHOUT ROWID;
-- The append-only log: every operation a member sent, with its result.
CREATE TABLE ops (
    campaign TEXT NOT NULL,
    member TEXT NOT NULL,
    seq INTEGER NOT NULL,
    op_id TEXT NOT NULL,
    fingerprint INTEGER NOT NULL,
    device TEXT,
    received_at INTEGER NOT NULL,
    row TEXT NOT NULL,
    accepted INTEGER NOT NULL,
    PRIMARY KEY (campaign, member, seq)
);
CREATE UNIQUE INDEX ops_by_id ON ops (campaign, member, op_id);
CREATE TABLE stock (
    campaign TEXT NOT NULL,
    reward TEXT NOT NULL,
    taken INTEGER NOT NULL,
    PRIMARY KEY (campaign, reward)
);
