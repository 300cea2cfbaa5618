-- Signatures of requests that changed something, kept while a replay of them
-- would still verify.
CREATE TABLE signed_requests (
    signature  TEXT PRIMARY KEY,
    expires_ms INTEGER NOT NULL
);
CREATE INDEX signed_requests_expires ON signed_requests (expires_ms);
