-- The id (not the key) of the key that seals the instances' secrets, so that
-- a process started with another key is refused before it reads any.
CREATE TABLE secret_key (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    key_id    TEXT NOT NULL
);
