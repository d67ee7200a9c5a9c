-- Siyu storage, PostgreSQL. Never edit a migration once applied; add a new file.
CREATE TABLE server_secrets (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    session_secret BYTEA NOT NULL
);
CREATE TABLE tenants (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    admin_key_hash BYTEA NOT NULL,
    member_secret TEXT NOT NULL,
    origins TEXT NOT NULL DEFAULT '[]',
    created_at BIGINT NOT NULL
);
CREATE TABLE campaigns (
    id TEXT PRIMARY KEY,
    tenant TEXT NOT NULL REFERENCES tenants (id),
    revision BIGINT NOT NULL,
    body TEXT NOT NULL,
    published_at BIGINT NOT NULL
);
CREATE TABLE campaign_revisions (
    id TEXT NOT NULL,
    revision BIGINT NOT NULL,
    body TEXT NOT NULL,
    published_at BIGINT NOT NULL,
    PRIMARY KEY (id, revision)
);
CREATE TABLE devices (
    campaign TEXT NOT NULL,
    device TEXT NOT NULL,
    member TEXT NOT NULL,
    last_contact BIGINT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (campaign, device)
);
CREATE INDEX devices_by_member ON devices (campaign, member);
-- One row per member: locked FOR UPDATE to serialise a member's operations across instances.
CREATE TABLE members (
    campaign TEXT NOT NULL,
    member TEXT NOT NULL,
    seq BIGINT NOT NULL,
    PRIMARY KEY (campaign, member)
);
-- The append-only log: every operation a member sent, with its result.
CREATE TABLE ops (
    campaign TEXT NOT NULL,
    member TEXT NOT NULL,
    seq BIGINT NOT NULL,
    op_id TEXT NOT NULL,
    fingerprint BIGINT NOT NULL,
    device TEXT,
    received_at BIGINT NOT NULL,
    row TEXT NOT NULL,
    accepted BOOLEAN NOT NULL,
    PRIMARY KEY (campaign, member, seq),
    UNIQUE (campaign, member, op_id)
);
-- Stock taken; a redemption takes a unit with a conditional update (taken < stock).
CREATE TABLE stock (
    campaign TEXT NOT NULL,
    reward TEXT NOT NULL,
    taken BIGINT NOT NULL,
    PRIMARY KEY (campaign, reward)
);
