-- Each saved offset of a Smart Connect task also keeps the last run of
-- records its flow copied from the partition (source offset, target offset,
-- count; count 0 when none is known), written with the offset after each
-- acknowledged batch, so that consumer offsets are translated after a
-- restart although nothing more is copied.
ALTER TABLE connect_offsets
    ADD COLUMN run_source BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN run_target BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN run_count BIGINT NOT NULL DEFAULT 0;
